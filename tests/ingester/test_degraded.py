"""Degraded status and its event, decided by the ingester on real SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select

from betteruptime.db.models import Incident, OutboxEvent
from betteruptime.db.session import SessionFactory
from betteruptime.domain.messages import CheckResult
from betteruptime.ingester.decisions import decide_overdue
from betteruptime.ingester.store import load_monitors
from conftest import MonitorFactory
from ingester.test_store import T0, ingest, result, state_of


async def types(sessions: SessionFactory, results: Sequence[CheckResult]) -> list[str]:
    return [event.type for event in await ingest(sessions, results)]


async def test_a_slow_check_makes_the_monitor_degraded_once_and_a_fast_one_brings_it_back(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor = await make_monitor(degraded_after_ms=800)

    first = await types(sessions, [result(monitor, 0, up=True, ms=120.0)])
    assert (await state_of(sessions, monitor)).status == "up"
    slow = await types(sessions, [result(monitor, 60, up=True, ms=1240.0)])
    degraded = await state_of(sessions, monitor)
    still_slow = await types(sessions, [result(monitor, 120, up=True, ms=1500.0)])
    fast = await types(sessions, [result(monitor, 180, up=True, ms=90.0)])

    assert (first, slow, still_slow, fast) == ([], ["degraded"], [], [])
    assert degraded.status == "degraded"
    assert (await state_of(sessions, monitor)).status == "up"
    async with sessions() as session:
        (event,) = (await session.scalars(select(OutboxEvent))).all()
    assert (event.type, event.monitor_id, event.incident_id) == ("degraded", monitor, None)
    assert event.at == T0 + timedelta(seconds=60)


async def test_slowness_never_opens_an_incident(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor = await make_monitor(degraded_after_ms=100, failure_threshold=1)

    await ingest(sessions, [result(monitor, s * 60, up=True, ms=5000.0) for s in range(5)])

    async with sessions() as session:
        incidents = await session.scalar(select(func.count()).select_from(Incident))
    assert incidents == 0
    assert (await state_of(sessions, monitor)).status == "degraded"


async def test_a_degraded_monitor_goes_down_and_recovers_like_an_up_one(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor = await make_monitor(degraded_after_ms=800, failure_threshold=2, recovery_threshold=1)
    await ingest(sessions, [result(monitor, 0, up=True, ms=900.0)])

    one_failure = await types(sessions, [result(monitor, 60, up=False)])
    still = (await state_of(sessions, monitor)).status
    down = await types(sessions, [result(monitor, 120, up=False)])
    back_slow = await types(sessions, [result(monitor, 180, up=True, ms=950.0)])

    assert (one_failure, still) == ([], "degraded")
    assert down == ["down"]
    # It came back, but slow: the recovery and the slowness are both news.
    assert back_slow == ["up", "degraded"]
    assert (await state_of(sessions, monitor)).status == "degraded"


async def test_without_a_threshold_a_slow_monitor_is_just_up(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor = await make_monitor()
    assert await types(sessions, [result(monitor, 0, up=True, ms=60_000.0)]) == []
    assert (await state_of(sessions, monitor)).status == "up"


async def test_several_regions_are_judged_by_their_median_response_time(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor = await make_monitor(regions=["eu", "us", "ap"], degraded_after_ms=500)

    # One slow region of three: not degraded.
    one_slow = await types(
        sessions,
        [
            result(monitor, 0, up=True, ms=100.0, region="eu"),
            result(monitor, 0, up=True, ms=3000.0, region="us"),
            result(monitor, 0, up=True, ms=200.0, region="ap"),
        ],
    )
    status_after_one = (await state_of(sessions, monitor)).status
    # Two slow regions of three, reported in two batches (read back from the database).
    await ingest(sessions, [result(monitor, 60, up=True, ms=900.0, region="eu")])
    two_slow = await types(
        sessions,
        [
            result(monitor, 60, up=True, ms=100.0, region="us"),
            result(monitor, 60, up=True, ms=800.0, region="ap"),
        ],
    )

    assert (one_slow, status_after_one) == ([], "up")
    assert two_slow == ["degraded"]
    assert (await state_of(sessions, monitor)).status == "degraded"


async def test_a_region_that_never_reports_is_judged_without_it(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor = await make_monitor(regions=["eu", "us"], degraded_after_ms=500)
    await ingest(sessions, [result(monitor, 0, up=True, ms=700.0, region="eu")])

    async with sessions() as session, session.begin():
        monitors = await load_monitors(session, {monitor})
        events = await decide_overdue(session, monitors, [(monitor, T0)])
        session.add_all(events)

    assert [event.type for event in events] == ["degraded"]
