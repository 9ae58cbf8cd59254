"""The fault test of issue 14: Redis restarts without persistence while a down event waits
in its stream and no notifier runs. The event stays owed in the database, the ingester's
relay publishes it again (BETTERUPTIME_REPUBLISH_SECONDS after it was published, then
after waits that double), and the notifier that comes back sends every message exactly
once. A Redis of the test's own is restarted, never the shared one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from betteruptime.db.models import Incident, Notification, OutboxEvent
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.transport.memory import MemoryEventStream
from notifier.conftest import World
from testkit.engines import RABBITMQ_URL, purge_rabbitmq_queues
from testkit.processes import BetterUptimeProcess
from testkit.receivers import WebhookReceiver
from testkit.redis_server import PrivateRedis
from testkit.waiting import eventually

REPUBLISH_SECONDS = 2
# Published at most twice before the notifier is back (at 0 and 2 s), the next wait is
# at most 4 s: the down message arrives within that, plus the notifier's start-up.
DOWN_WITHIN = 4 * REPUBLISH_SECONDS + 10
# Long enough for a duplicate to show: two more republish periods.
QUIET_SECONDS = 2 * REPUBLISH_SECONDS + 1


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    await server.start()
    yield server
    await server.stop()


async def open_incident(sessions: SessionFactory, monitor_id: int) -> int:
    """What the ingester writes when a monitor goes down: the incident and its event."""
    now = utcnow()
    async with sessions() as session, session.begin():
        incident = Incident(
            monitor_id=monitor_id, status="open", started_at=now, confirmed_at=now, cause="503"
        )
        session.add(incident)
        await session.flush()
        session.add(
            OutboxEvent(
                type="down",
                monitor_id=monitor_id,
                incident_id=incident.id,
                at=now,
                cause="HTTP 503",
                created_at=now,
            )
        )
        return incident.id


async def resolve_incident(sessions: SessionFactory, monitor_id: int, incident_id: int) -> None:
    now = utcnow()
    async with sessions() as session, session.begin():
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        incident.status, incident.resolved_at = "resolved", now
        session.add(
            OutboxEvent(
                type="up", monitor_id=monitor_id, incident_id=incident_id, at=now, created_at=now
            )
        )


async def outbox(sessions: SessionFactory) -> list[tuple[bool, bool]]:
    """(published, planned) of each event."""
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxEvent.published_at, OutboxEvent.planned_at).order_by(OutboxEvent.id)
        )
        return [(published is not None, planned is not None) for published, planned in rows]


async def test_a_down_event_lost_by_a_redis_restart_is_sent_once_when_a_notifier_returns(
    tmp_path: Path,
    database_url: str,
    sessions: SessionFactory,
    private_redis: PrivateRedis,
    webhook: WebhookReceiver,
) -> None:
    await purge_rabbitmq_queues(RABBITMQ_URL, ["results", "workers"])
    world = World(sessions, MemoryEventStream())  # for its rows; the ingester relays
    channel = await world.channel(webhook.url())
    shop = await world.monitor("shop", [(channel, {})])
    env = {
        "DATABASE_URL": database_url,
        "RABBITMQ_URL": RABBITMQ_URL,
        "REDIS_URL": private_redis.url,
        "BETTERUPTIME_REPUBLISH_SECONDS": str(REPUBLISH_SECONDS),
    }
    ingester = BetterUptimeProcess(["ingester"], folder=tmp_path, env=env, name="ingester")
    roles = [ingester]
    try:
        await eventually(
            lambda: "component=ingester event=started" in ingester.log(),
            within=30,
            what="the ingester started",
        )
        # The notifier is away; the target goes down; the ingester relays the event.
        incident = await open_incident(sessions, shop)

        async def relayed() -> bool:
            async with sessions() as session:
                return await session.scalar(select(OutboxEvent.published_at)) is not None

        await eventually(relayed, within=5, what="the down event relayed")
        # Redis restarts and keeps nothing: the entry is gone.
        await private_redis.restart()
        restarted = time.monotonic()

        notifier = BetterUptimeProcess(["notifier"], folder=tmp_path, env=env, name="notifier")
        roles.append(notifier)
        await eventually(
            lambda: webhook.titles() == ["[DOWN] shop"],
            within=DOWN_WITHIN,
            what="the down message, published again",
        )
        down_after = time.monotonic() - restarted

        await resolve_incident(sessions, shop, incident)
        await eventually(lambda: webhook.has_received(2), within=10, what="the recovery")
        await asyncio.sleep(QUIET_SECONDS)
    finally:
        codes = {role.name: role.stop() for role in roles}
    logs = "\n".join(f"--- {role.name}\n{role.log()[-3000:]}" for role in roles)
    assert codes == {"ingester": 0, "notifier": 0}, logs

    assert webhook.titles() == ["[DOWN] shop", "[RECOVERED] shop"], logs
    assert await outbox(sessions) == [(True, True), (True, True)]
    async with sessions() as session:
        statuses = list(await session.scalars(select(Notification.status)))
    assert statuses == ["sent", "sent"]
    assert "event=republished" in ingester.log(), logs
    print(
        f"\n[{database_url.split(':')[0]}] Redis restarted with the down event in flight and "
        f"no notifier: the down message arrived {down_after:.1f} s after the restart "
        f"(republish after {REPUBLISH_SECONDS} s, doubling); messages: "
        f"{webhook.titles()}, each once"
    )
