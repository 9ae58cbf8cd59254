"""One bad event must never silence the others: the events of a heartbeat monitor (no
URL) are planned and sent like any other's, and an event the notifier cannot decode or
plan is set aside as a dead letter, with its reason, while the events around it go out."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from betteruptime.db.migrate import upgrade_async
from betteruptime.db.models import DeadLetter, MaintenanceMonitor, MaintenanceWindow
from betteruptime.db.session import SessionFactory, create_engine, session_factory
from betteruptime.services.engine_health import assess, read_facts
from betteruptime.transport.memory import MemoryEventStream
from notifier.conftest import Running, World, make_notifier
from notifier.test_crash import memory_pending
from testkit.receivers import WebhookReceiver
from testkit.waiting import eventually

# Removed from the time zone database in 2020: a window saved in it no longer loads.
REMOVED_ZONE = "US/Pacific-New"
# Decodes as JSON, names a monitor, but is no event (no type, no id, no time).
GARBAGE = b'{"monitor_id": 7, "what": "not an event"}'
# Longer than SQLite's busy timeout (10 s): the notifier's write gives up meanwhile.
LOCK_SECONDS = 12


def now() -> datetime:
    return datetime.now(UTC)


async def test_a_heartbeat_down_and_up_are_delivered_to_its_channel(
    world: World, webhook: WebhookReceiver, start_notifier: Any
) -> None:
    channel = await world.channel(webhook.url())
    backup = await world.monitor(
        "nightly backup",
        [(channel, {})],
        kind="heartbeat",
        url=None,
        period_seconds=10,
        grace_seconds=0,
    )
    shop = await world.monitor("shop", [(channel, {})])
    start_notifier()

    incident = await world.go_down(backup, cause="no ping within 10 s + 0 s grace; last ping never")
    await eventually(lambda: webhook.has_received(1), within=10, what="the heartbeat's down")
    await world.recover(backup, incident)
    await eventually(lambda: webhook.has_received(2), within=10, what="the heartbeat's up")
    # And the alerts of other monitors still flow behind it.
    await world.go_down(shop)
    await eventually(lambda: webhook.has_received(3), within=10, what="the next monitor's down")

    down, up, other = webhook.received
    assert down.title == "[DOWN] nightly backup"
    assert down.message.splitlines()[0] == "nightly backup missed its expected ping."
    assert "None" not in down.message and "URL" not in down.message
    assert up.title == "[RECOVERED] nightly backup" and "None" not in up.message
    assert other.title == "[DOWN] shop"


async def recurring_window(world: World, monitor_id: int, timezone: str) -> None:
    """A daily window covering the monitor, in `timezone`, written as a tzdata update
    may leave one: in a zone that no longer exists."""
    owner = await world.owner()
    async with world.sessions() as session, session.begin():
        window = MaintenanceWindow(
            organization_id=owner,
            name="nightly",
            weekdays=list(range(7)),
            start_time="03:00",
            duration_minutes=30,
            timezone=timezone,
        )
        session.add(window)
        await session.flush()
        session.add(MaintenanceMonitor(window_id=window.id, monitor_id=monitor_id))


async def dead_letters(sessions: SessionFactory) -> list[DeadLetter]:
    async with sessions() as session:
        return list((await session.scalars(select(DeadLetter).order_by(DeadLetter.id))).all())


async def test_an_undecodable_entry_and_an_unplannable_event_are_set_aside_and_the_rest_go_out(
    world: World, webhook: WebhookReceiver, start_notifier: Any, sessions: SessionFactory
) -> None:
    channel = await world.channel(webhook.url())
    shop = await world.monitor("shop", [(channel, {})])
    broken = await world.monitor("legacy", [(channel, {})])
    await recurring_window(world, broken, REMOVED_ZONE)
    # One batch: a good event, garbage, an event that cannot be planned, a good one.
    incident = await world.go_down(shop)
    [garbage_id] = await world.stream.publish([GARBAGE])
    await world.go_down(broken)
    await world.recover(shop, incident)
    notifier = start_notifier()

    await eventually(lambda: webhook.has_received(2), within=10, what="shop's down and up")
    await eventually(
        lambda: notifier.handled == 3 and notifier.dead_lettered == 2,
        within=10,
        what="the batch handled",
    )

    assert sorted(webhook.titles()) == ["[DOWN] shop", "[RECOVERED] shop"]
    undecoded, unplanned = await dead_letters(sessions)
    assert (undecoded.entry_id, undecoded.monitor_id, undecoded.event_id) == (garbage_id, 7, None)
    assert undecoded.body == GARBAGE.decode()
    assert undecoded.reason.startswith("cannot decode the event: Event: ")
    assert "type: Field required" in undecoded.reason
    assert (unplanned.monitor_id, unplanned.event_type) == (broken, "down")
    assert unplanned.reason.startswith("cannot plan the event: ZoneInfoNotFoundError")
    assert '"monitor_id":' in unplanned.body
    async with sessions() as session:
        report = assess(await read_facts(session, now=now()))
    assert report["status"] == "degraded"
    assert report["engines"]["notifier"]["state"] == "degraded"
    assert report["engines"]["notifier"]["dead_letters"] == 2
    # Nothing is left pending: the bad entries were acked with the rest.
    assert memory_pending(world.stream) == []  # type: ignore[arg-type]


async def test_the_database_away_leaves_the_entries_to_be_tried_again_not_set_aside(
    tmp_path: Path, webhook: WebhookReceiver
) -> None:
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    world = World(sessions, MemoryEventStream())
    try:
        channel = await world.channel(webhook.url())
        shop = await world.monitor("shop", [(channel, {})])
        await world.go_down(shop)
        # Another process holds the write lock longer than the notifier waits for it
        # (SQLite's busy timeout): its planning fails with "database is locked".
        holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        running = Running(make_notifier(sessions, world.stream))
        try:
            await asyncio.sleep(LOCK_SECONDS)
            assert webhook.received == []
            assert memory_pending(world.stream) != []  # not acked
            holder.execute("COMMIT")
            await eventually(lambda: webhook.has_received(1), within=10, what="the down, later")
            await asyncio.sleep(1)
        finally:
            holder.close()
            await running.close()
        assert webhook.titles() == ["[DOWN] shop"]
        assert await dead_letters(sessions) == []
        assert running.notifier.dead_lettered == 0
    finally:
        await engine.dispose()
