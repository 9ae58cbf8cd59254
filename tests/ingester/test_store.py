"""The ingest transaction against real SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from betteruptime.db.models import (
    Check,
    Incident,
    MonitorState,
    OutboxEvent,
    PendingDecision,
    RollupDay,
    RollupHour,
    RollupMinute,
)
from betteruptime.db.session import SessionFactory
from betteruptime.domain.messages import CheckResult, WorkerHeartbeat
from betteruptime.ingester.store import record_results
from betteruptime.ingester.worker_heartbeats import record_heartbeats
from testkit.results import T0, result

MonitorFactory = Callable[..., Awaitable[int]]


async def ingest(sessions: SessionFactory, results: Sequence[CheckResult]) -> list[OutboxEvent]:
    async with sessions() as session, session.begin():
        return await record_results(session, results)


async def count(sessions: SessionFactory, model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def state_of(sessions: SessionFactory, monitor_id: int) -> MonitorState:
    async with sessions() as session:
        state = await session.get(MonitorState, monitor_id)
        assert state is not None
        return state


async def test_it_stores_checks_with_their_timings(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor()
    await ingest(sessions, [result(monitor_id, 0, up=True, ms=42.0)])
    async with sessions() as session:
        check = (await session.scalars(select(Check))).one()
    assert (check.up, check.response_time_ms, check.status_code) == (True, 42.0, 200)
    assert (check.dns_ms, check.connect_ms, check.first_byte_ms) == (1.0, 2.0, 42.0)
    assert check.due_at == T0


async def test_it_stores_a_checks_details_as_json_and_none_when_it_has_none(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor()
    steps = {"steps": [{"name": "log in", "up": True, "ms": 12.5, "extracted": ["token"]}]}
    with_details = result(monitor_id, 0, up=True).model_copy(update={"details": steps})
    await ingest(sessions, [with_details, result(monitor_id, 60, up=True)])
    async with sessions() as session:
        checks = (await session.scalars(select(Check).order_by(Check.due_at))).all()
    assert [check.details for check in checks] == [steps, None]


async def test_a_redelivered_result_creates_no_second_row_or_transition(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor(failure_threshold=2)
    outage = [result(monitor_id, s, up=False) for s in (0, 60)]
    first = await ingest(sessions, outage)
    again = await ingest(sessions, outage)
    assert [e.type for e in first] == ["down"]
    assert again == []
    assert await count(sessions, Check) == 2
    assert await count(sessions, Incident) == 1
    async with sessions() as session:
        minute = (await session.scalars(select(RollupHour))).one()
    assert (minute.count, minute.failures) == (2, 2)


async def test_it_goes_down_after_the_threshold_and_opens_an_incident_at_the_first_failure(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor(failure_threshold=3)
    await ingest(sessions, [result(monitor_id, 0, up=True)])
    events = await ingest(
        sessions, [result(monitor_id, 60, up=False), result(monitor_id, 120, up=False)]
    )
    assert events == []
    assert (await state_of(sessions, monitor_id)).status == "up"

    events = await ingest(sessions, [result(monitor_id, 180, up=False)])
    assert [e.type for e in events] == ["down"]
    state = await state_of(sessions, monitor_id)
    assert state.status == "down"
    async with sessions() as session:
        incident = (await session.scalars(select(Incident))).one()
    assert incident.status == "open"
    assert incident.started_at == T0 + timedelta(seconds=60)
    assert incident.cause == "connection refused by 127.0.0.1:9"
    assert state.open_incident_id == incident.id
    assert events[0].incident_id == incident.id


async def test_it_resolves_the_incident_after_the_recovery_threshold(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor(failure_threshold=1, recovery_threshold=2)
    await ingest(sessions, [result(monitor_id, 0, up=False)])
    assert await ingest(sessions, [result(monitor_id, 60, up=True)]) == []
    events = await ingest(sessions, [result(monitor_id, 120, up=True)])
    assert [e.type for e in events] == ["up"]
    async with sessions() as session:
        incident = (await session.scalars(select(Incident))).one()
    assert incident.status == "resolved"
    assert incident.resolved_at == T0 + timedelta(seconds=60)
    assert (await state_of(sessions, monitor_id)).open_incident_id is None


async def test_a_late_result_is_stored_but_does_not_move_the_state(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor(failure_threshold=1)
    await ingest(sessions, [result(monitor_id, 120, up=True)])
    events = await ingest(sessions, [result(monitor_id, 60, up=False)])
    assert events == []
    assert (await state_of(sessions, monitor_id)).status == "up"
    assert await count(sessions, Check) == 2


async def test_results_in_one_batch_are_applied_in_due_time_order(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor(failure_threshold=2)
    batch = [
        result(monitor_id, 120, up=False),
        result(monitor_id, 0, up=True),
        result(monitor_id, 60, up=False),
    ]
    events = await ingest(sessions, batch)
    assert [e.type for e in events] == ["down"]


async def test_it_updates_minute_hour_and_day_rollups_in_bulk(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor()
    await ingest(
        sessions, [result(monitor_id, s, up=True, ms=float(10 + s)) for s in range(0, 120, 10)]
    )
    await ingest(sessions, [result(monitor_id, 130, up=False)])
    async with sessions() as session:
        minutes = (
            await session.scalars(select(RollupMinute).order_by(RollupMinute.bucket_start))
        ).all()
        hour = (await session.scalars(select(RollupHour))).one()
        day = (await session.scalars(select(RollupDay))).one()
    assert [(m.count, m.failures) for m in minutes] == [(6, 0), (6, 0), (1, 1)]
    for row in (hour, day):
        aggregate = row.to_aggregate()
        assert (aggregate.count, aggregate.failures, aggregate.rt_count) == (13, 1, 12)
        assert (aggregate.rt_min, aggregate.rt_max) == (10.0, 120.0)
        assert aggregate.rt_avg == sum(10 + s for s in range(0, 120, 10)) / 12


async def test_results_of_a_deleted_monitor_are_dropped(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor()
    await ingest(sessions, [result(monitor_id + 1000, 0, up=True)])
    assert await count(sessions, Check) == 0


async def test_a_paused_monitor_stores_checks_but_keeps_its_state(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor(failure_threshold=1, paused=True)
    events = await ingest(sessions, [result(monitor_id, 0, up=False)])
    assert events == []
    assert (await state_of(sessions, monitor_id)).status == "pending"
    assert await count(sessions, Check) == 1


async def test_a_monitor_resumed_during_an_outage_resolves_its_incident_on_recovery(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    from betteruptime.services.monitors import get_monitor, pause_monitor, resume_monitor

    monitor_id = await make_monitor(failure_threshold=1, recovery_threshold=1)
    await ingest(sessions, [result(monitor_id, 0, up=False)])
    async with sessions() as session:
        record = await get_monitor(session, organization_id=1, monitor_id=monitor_id)
        assert record is not None
        await pause_monitor(session, monitor=record.monitor)
        await resume_monitor(session, record=record)
    events = await ingest(sessions, [result(monitor_id, 60, up=True)])
    assert [e.type for e in events] == ["up"]
    async with sessions() as session:
        incident = (await session.scalars(select(Incident))).one()
    assert incident.status == "resolved"


async def test_a_failure_seen_by_one_of_two_regions_leaves_the_monitor_up(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor(regions=["eu", "us"], failure_threshold=1)
    for second in (0, 60, 120):
        events = await ingest(
            sessions,
            [
                result(monitor_id, second, up=False, region="eu"),
                result(monitor_id, second, up=True, region="us"),
            ],
        )
        assert events == []
    assert (await state_of(sessions, monitor_id)).status == "up"


async def test_a_failure_seen_by_both_regions_takes_the_monitor_down_naming_them(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor(regions=["eu", "us"], failure_threshold=1)
    # The regions report in separate batches: the decision waits for the second one.
    assert await ingest(sessions, [result(monitor_id, 0, up=False, region="eu")]) == []
    events = await ingest(sessions, [result(monitor_id, 0, up=False, region="us")])
    assert [e.type for e in events] == ["down"]
    assert events[0].cause == (
        "eu: connection refused by 127.0.0.1:9; us: connection refused by 127.0.0.1:9"
    )


async def test_a_region_that_never_reports_is_waited_for_until_the_deadline(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    from betteruptime.ingester.store import decide_overdue_pending

    monitor_id = await make_monitor(regions=["eu", "us"], failure_threshold=1, timeout_seconds=5)
    assert await ingest(sessions, [result(monitor_id, 0, up=False, region="eu")]) == []
    async with sessions() as session, session.begin():
        early = await decide_overdue_pending(session, now=T0 + timedelta(seconds=9))
    assert early == []
    async with sessions() as session, session.begin():
        late = await decide_overdue_pending(session, now=T0 + timedelta(seconds=11))
    # Only eu reported, and it failed: with us silent, eu's word decides.
    assert [e.type for e in late] == ["down"]


async def test_a_complete_due_time_decides_the_earlier_ones_still_waiting_first(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor(regions=["eu", "us"], failure_threshold=2)
    await ingest(
        sessions,
        [
            result(monitor_id, 0, up=False, region="eu"),
            result(monitor_id, 0, up=False, region="us"),
        ],
    )
    await ingest(sessions, [result(monitor_id, 60, up=False, region="eu")])  # us is late
    events = await ingest(
        sessions,
        [
            result(monitor_id, 120, up=True, region="eu"),
            result(monitor_id, 120, up=True, region="us"),
        ],
    )
    # 60 s was decided (eu alone: failing) before 120 s: two failures in a row went down,
    # then 120 s brought one success.
    assert [e.type for e in events] == ["down"]
    state = await state_of(sessions, monitor_id)
    assert (state.status, state.consecutive_successes) == ("down", 1)


async def test_a_worker_clock_in_the_future_is_corrected_and_keeps_its_due_time(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor()
    skewed = result(monitor_id, 0, up=True)
    skewed = skewed.model_copy(update={"checked_at": datetime.now(UTC) + timedelta(days=2)})
    before = datetime.now(UTC)

    await ingest(sessions, [skewed])

    async with sessions() as session:
        check = (await session.scalars(select(Check))).one()
    state = await state_of(sessions, monitor_id)
    assert check.due_at == T0
    assert before <= check.checked_at <= datetime.now(UTC)
    assert state.last_checked_at == check.checked_at


async def live_worker(sessions: SessionFactory, region: str) -> None:
    """A worker of `region` that beat just now."""
    now = datetime.now(UTC)
    beat = WorkerHeartbeat(
        worker_id=f"worker-{region}",
        region=region,
        started_at=now,
        at=now,
        checked_total=0,
        missed_total=0,
    )
    async with sessions() as session, session.begin():
        await record_heartbeats(session, [beat])


async def test_a_region_with_no_live_worker_is_not_waited_for(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    await live_worker(sessions, "default")  # and none in eu
    monitor_id = await make_monitor(regions=["default", "eu"], failure_threshold=1)

    events = await ingest(sessions, [result(monitor_id, 0, up=False, region="default")])

    # Decided at once, on the one region that can report: its failure is the majority.
    assert [e.type for e in events] == ["down"]
    assert events[0].cause == "default: connection refused by 127.0.0.1:9"
    assert await count(sessions, PendingDecision) == 0


async def test_min_failed_regions_is_not_reached_while_the_other_region_is_absent(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    from betteruptime.ingester.store import decide_overdue_pending

    await live_worker(sessions, "default")
    monitor_id = await make_monitor(
        regions=["default", "eu"], min_failed_regions=2, failure_threshold=1
    )

    events = await ingest(sessions, [result(monitor_id, 0, up=False, region="default")])
    async with sessions() as session, session.begin():
        later = await decide_overdue_pending(session, now=T0 + timedelta(minutes=5))

    # Two regions must agree, as the monitor says: one failing is not an outage.
    assert events == later == []
    state = await state_of(sessions, monitor_id)
    assert (state.status, state.last_due_at) == ("up", T0)
