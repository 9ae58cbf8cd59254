"""When a heartbeat's ping is late: the pure maths (domain/heartbeats.py), then the
scheduler's clock publishing each missed ping once, on a real database and broker."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from betteruptime.db.models import Monitor
from betteruptime.db.session import SessionFactory
from betteruptime.domain.heartbeats import (
    Schedule,
    cron_problem,
    lateness_error,
    latest_missed,
    next_expected,
    ping_report,
)
from betteruptime.domain.messages import CheckResult
from betteruptime.ingester.store import record_results
from betteruptime.scheduler.heartbeats import HeartbeatClock
from betteruptime.transport.memory import MemoryBroker
from betteruptime.transport.queues import ResultQueue

MonitorFactory = Callable[..., Awaitable[int]]
HOURLY = Schedule(period_seconds=3600, cron=None, grace_seconds=60)
PARIS_3AM = Schedule(period_seconds=None, cron="0 3 * * *", timezone="Europe/Paris")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# -- the maths -----------------------------------------------------------------------


def test_with_a_period_the_next_ping_is_due_one_period_after_the_last() -> None:
    assert next_expected(HOURLY, utc(2026, 1, 1, 10, 15)) == utc(2026, 1, 1, 11, 15)


def test_with_cron_the_next_ping_is_the_next_fire_time_in_the_monitors_zone() -> None:
    # 03:00 in Paris is 02:00 UTC in winter (CET, UTC+1)...
    assert next_expected(PARIS_3AM, utc(2026, 1, 10, 12)) == utc(2026, 1, 11, 2)
    # ...and 01:00 UTC in summer (CEST, UTC+2).
    assert next_expected(PARIS_3AM, utc(2026, 7, 10, 12)) == utc(2026, 7, 11, 1)


def test_across_the_spring_dst_change_a_daily_cron_run_comes_23_hours_later() -> None:
    before = next_expected(PARIS_3AM, utc(2026, 3, 27, 12))  # Saturday 28 March, CET
    after = next_expected(PARIS_3AM, before)  # Sunday 29 March, clocks went forward

    assert before == utc(2026, 3, 28, 2)
    assert after == utc(2026, 3, 29, 1)
    assert after - before == timedelta(hours=23)


def test_a_cron_time_skipped_by_dst_is_expected_when_the_clock_resumes() -> None:
    half_past_two = Schedule(period_seconds=None, cron="30 2 * * *", timezone="Europe/Paris")

    # 02:30 does not exist in Paris on 29 March 2026: Debian cron runs it at 03:00 CEST.
    assert next_expected(half_past_two, utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 1)


def test_nothing_is_missed_until_the_grace_has_passed() -> None:
    last = utc(2026, 1, 1, 10)

    assert latest_missed(HOURLY, baseline=last, now=utc(2026, 1, 1, 11, 0, 59)) is None
    assert latest_missed(HOURLY, baseline=last, now=utc(2026, 1, 1, 11, 1)) is None
    assert latest_missed(HOURLY, baseline=last, now=utc(2026, 1, 1, 11, 1, 1)) == utc(
        2026, 1, 1, 11
    )


def test_after_a_long_silence_only_the_latest_missed_time_is_reported() -> None:
    last = utc(2026, 1, 1, 10)

    # 11:00, 12:00 and 13:00 were missed; 14:00 is still within its grace.
    assert latest_missed(HOURLY, baseline=last, now=utc(2026, 1, 1, 14, 0, 30)) == utc(
        2026, 1, 1, 13
    )
    assert latest_missed(PARIS_3AM, baseline=utc(2026, 3, 20), now=utc(2026, 3, 29, 1, 5)) == utc(
        2026, 3, 29, 1
    )
    assert latest_missed(PARIS_3AM, baseline=utc(2026, 3, 20), now=utc(2026, 3, 29, 1, 0, 30)) == (
        utc(2026, 3, 28, 2)  # the Sunday run's grace has not passed yet: Saturday's
    )


def test_the_error_says_what_was_expected_and_when_the_last_ping_came() -> None:
    hourly = lateness_error(HOURLY, expected=utc(2026, 1, 1, 11), last_ping=utc(2026, 1, 1, 10))
    nightly = lateness_error(PARIS_3AM, expected=utc(2026, 3, 29, 1), last_ping=None)

    assert hourly == "no ping within 1h + 60 s grace; last ping 2026-01-01 10:00:00 UTC"
    assert nightly == (
        'no ping for the 2026-03-29 03:00 CEST run of "0 3 * * *" + 60 s grace; last ping never'
    )


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("0 3 * * *", None),
        ("*/15 9-17 * * MON-FRI", None),
        ("0 3 * *", "must have 5 fields"),
        ("0 0 3 * * *", "must have 5 fields"),
        ("61 3 * * *", "Bad minute"),
        ("0 3 31 2 *", "Bad day-of-month"),
    ],
)
def test_cron_expressions_are_checked(expression: str, problem: str | None) -> None:
    found = cron_problem(expression)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_exit_statuses_read_as_success_or_failure() -> None:
    assert ping_report(None) == ping_report("0")
    assert ping_report("0") is not None and ping_report("0").up  # type: ignore[union-attr]
    failed = ping_report("3")
    assert failed is not None and not failed.up
    assert failed.error == "reported failure (exit status 3)"
    assert [ping_report(s) for s in ("256", "-1", "+3", "03x", "٣", "0003")] == [None] * 6


# -- the scheduler's clock, on a real database and the in-process broker ---------------


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def published(results: ResultQueue) -> list[CheckResult]:
    consumer = await results.consumer(prefetch=1000)
    taken: list[CheckResult] = []
    while await results.depth():
        batch = await consumer.get()
        taken.extend(batch.items)
        await batch.ack()
    await consumer.close()
    return taken


async def make_heartbeat(make_monitor: MonitorFactory, created: datetime, **fields: object) -> int:
    values: dict[str, object] = {
        "kind": "heartbeat",
        "url": None,
        "period_seconds": 3600,
        "grace_seconds": 60,
        "failure_threshold": 1,
        "recovery_threshold": 1,
        "created_at": created,
        "updated_at": created,
        **fields,
    }
    return await make_monitor(**values)


async def test_a_missed_ping_is_published_once_then_again_only_for_the_next_period(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    created = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    monitor_id = await make_heartbeat(make_monitor, created)
    results = ResultQueue(MemoryBroker())
    clock = Clock(created + timedelta(minutes=30))
    watch = HeartbeatClock(sessions=sessions, results=results, clock=clock)

    assert await watch.check() == 0  # within the first period
    clock.now = created + timedelta(hours=1, seconds=61)
    first = [await watch.check(), await watch.check()]  # the second one sees the first
    [failure] = await published(results)
    async with sessions() as session, session.begin():
        events = await record_results(session, [failure])  # what the ingester does
    clock.now += timedelta(minutes=30)
    after_ingest = await watch.check()
    clock.now = created + timedelta(hours=2, seconds=61)
    next_period = await watch.check()

    assert first == [1, 0]
    assert (failure.monitor_id, failure.up, failure.region) == (monitor_id, False, "ping")
    assert failure.due_at == created + timedelta(hours=1)
    assert failure.error == "no ping within 1h + 60 s grace; last ping never"
    assert [event.type for event in events] == ["down"]
    assert after_ingest == 0 and next_period == 1
    [second] = await published(results)
    assert second.due_at == created + timedelta(hours=2)


async def test_a_restarted_scheduler_does_not_report_a_missed_ping_twice(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    created = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    await make_heartbeat(make_monitor, created)
    results = ResultQueue(MemoryBroker())
    clock = Clock(created + timedelta(hours=1, minutes=5))
    await HeartbeatClock(sessions=sessions, results=results, clock=clock).check()
    async with sessions() as session, session.begin():
        await record_results(session, await published(results))

    # A new leader knows nothing of what the old one published: the state tells it.
    assert await HeartbeatClock(sessions=sessions, results=results, clock=clock).check() == 0


async def test_a_ping_moves_the_next_expected_time(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    created = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    monitor_id = await make_heartbeat(make_monitor, created)
    pinged = created + timedelta(minutes=50)
    ping = CheckResult(
        monitor_id=monitor_id,
        region="ping",
        due_at=pinged,
        checked_at=pinged,
        up=True,
        ping="end",
    )
    async with sessions() as session, session.begin():
        await record_results(session, [ping])
    results = ResultQueue(MemoryBroker())
    clock = Clock(created + timedelta(hours=1, minutes=5))
    watch = HeartbeatClock(sessions=sessions, results=results, clock=clock)

    on_time = await watch.check()  # due at 1h50 now, not 1h
    clock.now = pinged + timedelta(hours=1, seconds=61)
    late = await watch.check()

    assert (on_time, late) == (0, 1)
    [failure] = await published(results)
    assert failure.due_at == pinged + timedelta(hours=1)
    assert failure.error is not None and failure.error.endswith(
        f"last ping {pinged:%Y-%m-%d %H:%M:%S} UTC"
    )


async def test_paused_and_freshly_changed_heartbeats_are_not_reported(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    created = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    await make_heartbeat(make_monitor, created, paused=True)
    resumed = await make_heartbeat(make_monitor, created)
    clock = Clock(created + timedelta(hours=3))
    async with sessions() as session, session.begin():
        # Resumed (or edited) two hours in: its clock starts again from there.
        await session.execute(
            update(Monitor)
            .where(Monitor.id == resumed)
            .values(updated_at=created + timedelta(hours=2, minutes=30))
        )
    results = ResultQueue(MemoryBroker())

    assert await HeartbeatClock(sessions=sessions, results=results, clock=clock).check() == 0


async def test_a_cron_heartbeat_is_reported_for_the_run_it_missed(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    created = utc(2026, 3, 27, 12)
    await make_heartbeat(
        make_monitor, created, period_seconds=None, cron="0 3 * * *", timezone="Europe/Paris"
    )
    results = ResultQueue(MemoryBroker())
    clock = Clock(utc(2026, 3, 28, 2, 0, 30))
    watch = HeartbeatClock(sessions=sessions, results=results, clock=clock)

    within_grace = await watch.check()
    clock.now = utc(2026, 3, 28, 2, 1, 1)
    missed = await watch.check()

    assert (within_grace, missed) == (0, 1)
    [failure] = await published(results)
    assert failure.due_at == utc(2026, 3, 28, 2)
    assert failure.error is not None and "2026-03-28 03:00 CET" in failure.error
