"""The fault test of issue 14: malformed events injected into the real Redis stream, in
front of a real `betteruptime notifier` process, between real alerts. Every alert behind
them arrives; each bad entry is a dead letter with its reason; none stays pending."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as redis
from sqlalchemy import select

from betteruptime.db.models import DeadLetter
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.services.engine_health import assess, read_facts
from betteruptime.transport.base import TransportError
from betteruptime.transport.redis import DEFAULT_KEY, RedisEventStream
from notifier.conftest import World
from notifier.test_bad_events import REMOVED_ZONE, recurring_window
from notifier.test_crash import redis_pending
from testkit.engines import REDIS_URL, reset_redis_stream, service_missing
from testkit.processes import BetterUptimeProcess
from testkit.receivers import WebhookReceiver
from testkit.waiting import eventually

MALFORMED = [
    b"\xff\xfe this is not JSON",
    b'{"id": 1, "type": "exploded", "monitor_id": 1, "incident_id": null, "at": "now"}',
    b"[]",
]
# The notifier reads each entry within its read block (0.5 s) and sends at once.
WITHIN = 10


@pytest.fixture
async def stream() -> AsyncIterator[RedisEventStream]:
    """The stream `betteruptime notifier` reads, on the test's Redis database."""
    await reset_redis_stream(REDIS_URL, DEFAULT_KEY)
    try:
        opened = await RedisEventStream.connect(REDIS_URL)
    except TransportError as error:
        service_missing(str(error))
        raise
    yield opened
    await opened.delete_stream()
    await opened.close()


async def test_malformed_events_in_the_redis_stream_never_hold_up_the_alerts_behind_them(
    tmp_path: Path,
    database_url: str,
    sessions: SessionFactory,
    stream: RedisEventStream,
    redis_client: redis.Redis,
    webhook: WebhookReceiver,
) -> None:
    world = World(sessions, stream)
    channel = await world.channel(webhook.url())
    shop = await world.monitor("shop", [(channel, {})])
    backup = await world.monitor(
        "nightly backup", [(channel, {})], kind="heartbeat", url=None, period_seconds=10
    )
    legacy = await world.monitor("legacy", [(channel, {})])
    await recurring_window(world, legacy, REMOVED_ZONE)
    env = {"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL}
    notifier = BetterUptimeProcess(["notifier"], folder=tmp_path, env=env, name="notifier")

    async def arrived(*titles: str) -> bool:
        return webhook.titles() == list(titles)

    try:
        shop_incident = await world.go_down(shop)
        await eventually(lambda: arrived("[DOWN] shop"), within=30, what="the first alert")

        started = time.monotonic()
        await stream.publish(MALFORMED)
        await world.go_down(legacy)  # cannot be planned: its window's zone is gone
        backup_incident = await world.go_down(backup, cause="no ping within 10 s + 0 s grace")
        await world.recover(shop, shop_incident)
        await world.recover(backup, backup_incident)
        expected = [
            "[DOWN] shop",
            "[DOWN] nightly backup",
            "[RECOVERED] shop",
            "[RECOVERED] nightly backup",
        ]

        async def all_arrived() -> bool:
            return sorted(webhook.titles()) == sorted(expected)

        await eventually(all_arrived, within=WITHIN, what="every alert behind the bad entries")
        took = time.monotonic() - started
        await eventually(
            lambda: _settled(redis_client, sessions),
            within=WITHIN,
            what="no entry pending and four dead letters",
        )
    finally:
        code = notifier.stop()
    log = notifier.log()
    assert code == 0, log
    assert "Traceback" not in log and "notifier_unavailable" not in log, log

    assert len(webhook.received) == len(expected)  # each exactly once
    async with sessions() as session:
        letters = list((await session.scalars(select(DeadLetter).order_by(DeadLetter.id))).all())
        report = assess(await read_facts(session, now=utcnow()))
    reasons = [letter.reason for letter in letters]
    assert [r.split(":")[0] for r in reasons] == ["cannot decode the event"] * 3 + [
        "cannot plan the event"
    ], reasons
    assert letters[3].monitor_id == legacy and "ZoneInfoNotFoundError" in reasons[3]
    assert log.count("event=dead_lettered") == 4, log
    assert report["status"] == "degraded"
    assert report["engines"]["notifier"]["dead_letters"] == 4
    print(
        f"\n[{database_url.split(':')[0]}] 3 malformed entries and 1 unplannable event in "
        f"the stream: the {len(expected) - 1} alerts behind them arrived within {took:.1f} s, "
        f"each once; dead letters: {len(letters)}"
    )


async def _settled(client: redis.Redis, sessions: SessionFactory) -> bool:
    async with sessions() as session:
        letters = len((await session.scalars(select(DeadLetter.id))).all())
    return letters == 4 and await redis_pending(client, DEFAULT_KEY) == []
