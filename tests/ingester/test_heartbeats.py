"""Heartbeat pings through the ingest transaction, against real SQLite and PostgreSQL:
the last ping and a run's start are recorded on the state, a /start is no check, and a
heartbeat is decided from its pings whatever regions the monitor lists."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import func, select

from betteruptime.db.models import Check, MonitorState, OutboxEvent
from betteruptime.db.session import SessionFactory
from betteruptime.domain.heartbeats import PING_REGION
from betteruptime.domain.messages import CheckResult
from betteruptime.ingester.store import record_results

MonitorFactory = Callable[..., Awaitable[int]]
# Recent, so the ingester's clock-honesty check leaves these times alone.
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)


def ping(
    monitor_id: int,
    second: float,
    *,
    up: bool = True,
    kind: Literal["start", "end"] | None = "end",
    error: str | None = None,
) -> CheckResult:
    at = T0 + timedelta(seconds=second)
    return CheckResult(
        monitor_id=monitor_id,
        region=PING_REGION,
        due_at=at,
        checked_at=at,
        up=up,
        error=error if error or up else "reported failure",
        ping=kind,
    )


async def heartbeat(make_monitor: MonitorFactory, **fields: object) -> int:
    values: dict[str, object] = {
        "kind": "heartbeat",
        "url": None,
        "period_seconds": 3600,
        "grace_seconds": 60,
        "ping_token": None,
        "failure_threshold": 1,
        "recovery_threshold": 1,
        **fields,
    }
    return await make_monitor(**values)


async def ingest(sessions: SessionFactory, results: Sequence[CheckResult]) -> list[OutboxEvent]:
    async with sessions() as session, session.begin():
        return await record_results(session, results)


async def state_of(sessions: SessionFactory, monitor_id: int) -> MonitorState:
    async with sessions() as session:
        state = await session.get(MonitorState, monitor_id)
        assert state is not None
        return state


async def checks_of(sessions: SessionFactory, monitor_id: int) -> list[Check]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Check).where(Check.monitor_id == monitor_id).order_by(Check.due_at)
        )
        return list(rows)


async def test_a_ping_sets_the_last_ping_and_brings_a_heartbeat_up_at_once(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await heartbeat(make_monitor)

    await ingest(sessions, [ping(monitor_id, 10)])

    state = await state_of(sessions, monitor_id)
    assert state.last_ping_at == T0 + timedelta(seconds=10)
    assert state.status == "up"


async def test_a_heartbeat_listing_several_regions_is_decided_from_one_ping(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await heartbeat(make_monitor, regions=["eu-west", "us-east"])

    await ingest(sessions, [ping(monitor_id, 10)])

    # Not parked waiting for eu-west and us-east, which never ping.
    assert (await state_of(sessions, monitor_id)).status == "up"


async def test_start_is_recorded_not_stored_and_the_end_reports_the_run_duration(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await heartbeat(make_monitor)

    await ingest(sessions, [ping(monitor_id, 0, kind="start")])
    started = await state_of(sessions, monitor_id)
    await ingest(sessions, [ping(monitor_id, 42.5)])

    assert started.run_started_at == T0 and started.status == "pending"
    ended = await state_of(sessions, monitor_id)
    assert ended.run_started_at is None
    [check] = await checks_of(sessions, monitor_id)
    assert check.response_time_ms == 42_500.0


async def test_a_start_and_its_end_in_one_batch_pair_up_whatever_their_order(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await heartbeat(make_monitor)

    await ingest(sessions, [ping(monitor_id, 7), ping(monitor_id, 2, kind="start")])

    [check] = await checks_of(sessions, monitor_id)
    assert check.response_time_ms == 5_000.0


async def test_a_reported_failure_is_a_ping_too_and_ends_the_run(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await heartbeat(make_monitor)

    await ingest(sessions, [ping(monitor_id, 0, kind="start")])
    await ingest(sessions, [ping(monitor_id, 30, up=False, error="reported failure (exit 3)")])

    state = await state_of(sessions, monitor_id)
    assert state.status == "down" and state.last_error == "reported failure (exit 3)"
    assert state.last_ping_at == T0 + timedelta(seconds=30)
    assert state.run_started_at is None
    [check] = await checks_of(sessions, monitor_id)
    assert check.response_time_ms == 30_000.0 and not check.up


async def test_a_missed_ping_failure_is_no_ping_and_a_late_ping_recovers(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await heartbeat(make_monitor)
    await ingest(sessions, [ping(monitor_id, 0)])

    missed = ping(monitor_id, 3600, up=False, kind=None, error="no ping within 1h")
    events = await ingest(sessions, [missed])
    down = await state_of(sessions, monitor_id)
    await ingest(sessions, [ping(monitor_id, 3700)])

    assert [e.type for e in events] == ["down"]
    assert down.status == "down" and down.last_ping_at == T0  # not moved by the failure
    up = await state_of(sessions, monitor_id)
    assert up.status == "up" and up.last_ping_at == T0 + timedelta(seconds=3700)


async def test_redelivered_pings_never_move_the_state_back(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await heartbeat(make_monitor)
    first_start, first_end = ping(monitor_id, 0, kind="start"), ping(monitor_id, 10)
    await ingest(sessions, [first_start, first_end])
    await ingest(sessions, [ping(monitor_id, 20)])

    await ingest(sessions, [first_start, first_end])  # the same batch, delivered again
    await ingest(sessions, [first_start])  # and the /start on its own

    state = await state_of(sessions, monitor_id)
    assert state.last_ping_at == T0 + timedelta(seconds=20)
    assert state.run_started_at is None  # the old start did not reopen a run
    async with sessions() as session:
        stored = await session.scalar(
            select(func.count()).select_from(Check).where(Check.monitor_id == monitor_id)
        )
    assert stored == 2
