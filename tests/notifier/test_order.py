"""A receiver hears each monitor's story in order, even when it fails and recovers: a
recovery that comes while the down waits for its retry waits behind it (so the receiver
hears of the outage, and its last word is never a stale "down"), and a message behind one
waiting for a retry follows it.

The notifier runs on SQLite and PostgreSQL, the in-process stream, Apprise and a local
webhook that refuses its first requests and then takes them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select, update

from betteruptime.alerting.retry import RetryPolicy
from betteruptime.db.models import Incident, Notification
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from notifier.conftest import World
from testkit.receivers import WebhookReceiver
from testkit.waiting import eventually

# The first retry comes this long after a failure: long enough to recover meanwhile.
RETRY = RetryPolicy(max_attempts=5, first_delay_seconds=1.5, factor=1.0)


async def _rows(sessions: SessionFactory) -> list[Notification]:
    async with sessions() as session:
        return list((await session.scalars(select(Notification).order_by(Notification.id))).all())


async def _row(sessions: SessionFactory, kind: str, monitor_id: int) -> Notification:
    (row,) = [n for n in await _rows(sessions) if (n.kind, n.monitor_id) == (kind, monitor_id)]
    return row


async def _acknowledge(world: World, monitor_id: int, incident_id: int) -> None:
    async with world.sessions() as session, session.begin():
        await session.execute(
            update(Incident).where(Incident.id == incident_id).values(acknowledged_at=utcnow())
        )
    await world.emit("acknowledged", monitor_id, incident_id)


async def _received(receiver: WebhookReceiver, count: int, what: str) -> None:
    async def enough() -> bool:
        return len(receiver.received) >= count

    await eventually(enough, within=15, what=what)


async def _quiet(receiver: WebhookReceiver, count: int) -> None:
    """Longer than a retry: a stale message that would still go out has gone by then."""
    await asyncio.sleep(RETRY.first_delay_seconds + 1.0)
    assert len(receiver.received) == count, receiver.titles()


@pytest.fixture
async def flaky() -> Any:
    receiver = WebhookReceiver(fail_first=1)
    await receiver.start()
    yield receiver
    await receiver.stop()


async def test_a_recovery_while_the_down_waits_for_its_retry_goes_out_after_the_down(
    world: World, flaky: WebhookReceiver, start_notifier: Any, sessions: SessionFactory
) -> None:
    channel = await world.channel(flaky.url())
    monitor = await world.monitor("shop", [(channel, {})])
    start_notifier(retry=RETRY)
    incident = await world.go_down(monitor)

    async def refused_once() -> bool:
        return [n.attempts for n in await _rows(sessions)] == [1]

    await eventually(refused_once, within=10, what="the down to be refused once")
    await world.recover(monitor, incident)
    await _received(flaky, 2, "the down, then the recovery")
    await _quiet(flaky, 2)

    assert flaky.titles() == ["[DOWN] shop", "[RECOVERED] shop"]
    down = await _row(sessions, "down", monitor)
    assert (down.status, down.attempts) == ("sent", 2)
    up = await _row(sessions, "up", monitor)
    assert (up.status, up.attempts, up.blocked_by) == ("sent", 1, None)


async def test_an_acknowledgement_behind_a_down_waiting_for_its_retry_follows_it(
    world: World, flaky: WebhookReceiver, start_notifier: Any, sessions: SessionFactory
) -> None:
    channel = await world.channel(flaky.url())
    monitor = await world.monitor("billing", [(channel, {})])
    start_notifier(retry=RETRY)
    incident = await world.go_down(monitor)
    await eventually(lambda: _attempted(flaky, 1), within=10, what="the refused down")

    await _acknowledge(world, monitor, incident)
    await _received(flaky, 2, "the down and the acknowledgement")
    await _quiet(flaky, 2)

    assert flaky.titles() == ["[DOWN] billing", "[ACKNOWLEDGED] billing"]
    ack = await _row(sessions, "acknowledged", monitor)
    assert ack.status == "sent" and ack.attempts == 1 and ack.blocked_by is None


async def test_a_down_that_fails_for_good_releases_the_message_behind_it_at_once(
    world: World, start_notifier: Any, sessions: SessionFactory
) -> None:
    dead_then_alive = WebhookReceiver(fail_first=2)
    await dead_then_alive.start()
    try:
        channel = await world.channel(dead_then_alive.url())
        monitor = await world.monitor("search", [(channel, {})])
        start_notifier(retry=RetryPolicy(max_attempts=2, first_delay_seconds=1.5))
        incident = await world.go_down(monitor)
        await eventually(lambda: _attempted(dead_then_alive, 1), within=10, what="a refusal")
        await _acknowledge(world, monitor, incident)
        await _received(dead_then_alive, 1, "the acknowledgement after the down failed")
    finally:
        await dead_then_alive.stop()

    assert dead_then_alive.titles() == ["[ACKNOWLEDGED] search"]
    down_failed_at, ack_at = dead_then_alive.request_times[1:]
    assert ack_at - down_failed_at < 1.0  # released, not found by a later poll
    assert (await _row(sessions, "down", monitor)).status == "failed"


async def test_a_digest_waiting_for_a_retry_holds_the_line_of_every_monitor_in_it(
    world: World, flaky: WebhookReceiver, start_notifier: Any, sessions: SessionFactory
) -> None:
    channel = await world.channel(flaky.url())
    names = ["alpha", "bravo", "charlie", "delta"]
    monitors = {name: await world.monitor(name, [(channel, {})]) for name in names}
    incidents = {name: await world.go_down(monitor) for name, monitor in monitors.items()}
    start_notifier(retry=RETRY, rate_limit=3)  # four downs at once: one digest
    await eventually(lambda: _attempted(flaky, 1), within=10, what="the refused digest")

    await world.recover(monitors["alpha"], incidents["alpha"])
    await _acknowledge(world, monitors["bravo"], incidents["bravo"])
    await _received(flaky, 3, "the digest, then the recovery and the acknowledgement")
    await _quiet(flaky, 3)

    digest, *after = flaky.received
    assert digest.title.startswith("[DIGEST]")
    assert all(name in digest.message for name in names)  # alpha's outage is told too
    assert sorted(message.title for message in after) == [
        "[ACKNOWLEDGED] bravo",
        "[RECOVERED] alpha",
    ]
    alpha_down = await _row(sessions, "down", monitors["alpha"])
    assert alpha_down.status == "folded"


async def test_two_notifiers_sharing_the_work_send_each_message_once_and_in_order(
    world: World, database_url: str, start_notifier: Any, sessions: SessionFactory
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("one notifier per SQLite file: SKIP LOCKED sharing is PostgreSQL's")
    receiver = WebhookReceiver(fail_first=4)
    await receiver.start()
    try:
        channel = await world.channel(receiver.url())
        names = [f"service-{n}" for n in range(6)]
        monitors = {name: await world.monitor(name, [(channel, {})]) for name in names}
        # A rate limit above the 18 messages, so each is its own (no digest).
        start_notifier(retry=RETRY, consumer="first", rate_limit=100)
        start_notifier(retry=RETRY, consumer="second", rate_limit=100)
        incidents = {name: await world.go_down(monitor) for name, monitor in monitors.items()}
        # Every down planned (and tried) before anything else happens to it.
        await eventually(lambda: _attempted(receiver, len(names)), within=10, what="the downs")
        for name in names[::2]:
            await _acknowledge(world, monitors[name], incidents[name])
        for name, monitor in monitors.items():
            await world.recover(monitor, incidents[name])

        async def every_recovery() -> bool:
            titles = receiver.titles()
            return all(f"[RECOVERED] {name}" in titles for name in names)

        await eventually(every_recovery, within=20, what="every recovery")
        await _quiet(receiver, len(receiver.received))
    finally:
        await receiver.stop()

    titles = receiver.titles()
    assert len(titles) == len(set(titles)), titles  # nothing twice
    for name in names:
        story = [title.split(" ", 1)[0] for title in titles if title.endswith(f"] {name}")]
        # The whole story, in order: "up" is the last word.
        acknowledged = names.index(name) % 2 == 0
        expected = (
            ["[DOWN]", "[ACKNOWLEDGED]", "[RECOVERED]"]
            if acknowledged
            else ["[DOWN]", "[RECOVERED]"]
        )
        assert story == expected, (name, titles)
    assert {row.status for row in await _rows(sessions)} == {"sent"}


async def _attempted(receiver: WebhookReceiver, count: int) -> bool:
    return receiver.requests >= count
