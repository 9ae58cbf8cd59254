"""The outbox relay: every event is published, and one that no notifier has planned is
published again after REPUBLISH_AFTER, then after waits that double, at most 10 minutes
apart, until a notifier plans it; a relay that starts publishes again at once what an
earlier one left unplanned."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from betteruptime.db.models import OutboxEvent
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.domain.messages import Event
from betteruptime.ingester.outbox import (
    REPUBLISH_AFTER,
    REPUBLISH_MAX_WAIT,
    OutboxRelay,
    next_publish_at,
)
from betteruptime.transport.memory import MemoryEventStream

NOW = utcnow()


async def add_event(sessions: SessionFactory) -> int:
    """An event decided now: after the relays the test made (their start is their own)."""
    now = utcnow()
    async with sessions() as session, session.begin():
        row = OutboxEvent(type="down", monitor_id=1, at=now, created_at=now)
        session.add(row)
        await session.flush()
        return row.id


async def published_ids(stream: MemoryEventStream) -> list[int]:
    entries = await stream.read("check", "test", count=100, block_ms=0)
    return [Event.model_validate_json(entry.body).id for entry in entries]


async def test_an_unplanned_event_is_published_again_after_the_bound_and_not_before(
    sessions: SessionFactory,
) -> None:
    stream = MemoryEventStream()
    relay = OutboxRelay(sessions=sessions, stream=stream)
    event_id = await add_event(sessions)
    now = utcnow()

    assert await relay.relay(now=now) == 1
    assert await relay.relay(now=now + REPUBLISH_AFTER - timedelta(seconds=1)) == 0
    assert await relay.relay(now=now + REPUBLISH_AFTER) == 1

    assert await published_ids(stream) == [event_id, event_id]
    assert (relay.published, relay.republished) == (2, 1)


async def test_a_planned_event_is_never_published_again(sessions: SessionFactory) -> None:
    stream = MemoryEventStream()
    relay = OutboxRelay(sessions=sessions, stream=stream)
    event_id = await add_event(sessions)
    assert await relay.relay() == 1
    async with sessions() as session, session.begin():
        await session.execute(update(OutboxEvent).values(planned_at=utcnow()))

    assert await relay.relay(now=utcnow() + timedelta(days=1)) == 0
    assert await OutboxRelay(sessions=sessions, stream=stream).relay() == 0
    assert await published_ids(stream) == [event_id]


async def test_a_starting_relay_publishes_again_at_once_what_an_earlier_one_left_unplanned(
    sessions: SessionFactory,
) -> None:
    first_stream = MemoryEventStream()
    event_id = await add_event(sessions)
    assert await OutboxRelay(sessions=sessions, stream=first_stream).relay() == 1

    # The process restarts: its in-process stream (or Redis without persistence) is gone.
    stream = MemoryEventStream()
    relay = OutboxRelay(sessions=sessions, stream=stream)
    assert await relay.relay() == 1
    assert await relay.relay() == 0  # not again until its next due time
    assert await published_ids(stream) == [event_id]


@pytest.mark.parametrize(
    ("age", "wait"),
    [
        (timedelta(0), REPUBLISH_AFTER),
        (REPUBLISH_AFTER, REPUBLISH_AFTER),
        (2 * REPUBLISH_AFTER, 2 * REPUBLISH_AFTER),
        (4 * REPUBLISH_AFTER, 4 * REPUBLISH_AFTER),
        (timedelta(hours=5), REPUBLISH_MAX_WAIT),
    ],
)
def test_the_wait_before_publishing_again_doubles_with_age_up_to_ten_minutes(
    age: timedelta, wait: timedelta
) -> None:
    assert next_publish_at(NOW, NOW - age, first_wait=REPUBLISH_AFTER) == NOW + wait
    assert timedelta(minutes=10) == REPUBLISH_MAX_WAIT
