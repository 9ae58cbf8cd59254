"""One ingest batch in one transaction: checks, rollups, state machine, incidents, events.

Idempotent: checks are inserted with ON CONFLICT DO NOTHING on (monitor_id, due_at,
region), and only the rows that were actually new feed the rollups and the state machine,
so a redelivered result changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import (
    ROLLUP_MODELS,
    Check,
    Incident,
    Monitor,
    MonitorState,
    OutboxEvent,
)
from betteruptime.domain.messages import CheckResult
from betteruptime.domain.rollups import RESOLUTIONS, aggregate_checks
from betteruptime.domain.state_machine import MonitorStatus, apply_outcome


def _insert(session: AsyncSession, table: Table) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _check_row(result: CheckResult) -> dict[str, Any]:
    timings = result.timings
    return {
        "monitor_id": result.monitor_id,
        "region": result.region,
        "due_at": result.due_at,
        "checked_at": result.checked_at,
        "up": result.up,
        "response_time_ms": result.response_time_ms,
        "status_code": result.status_code,
        "error": result.error,
        "dns_ms": timings.dns_ms,
        "connect_ms": timings.connect_ms,
        "tls_ms": timings.tls_ms,
        "first_byte_ms": timings.first_byte_ms,
    }


async def insert_new_checks(
    session: AsyncSession, results: Sequence[CheckResult]
) -> list[CheckResult]:
    """Insert results as check rows; return those that were not stored already."""
    unique: dict[tuple[int, datetime, str], CheckResult] = {}
    for result in results:
        unique.setdefault((result.monitor_id, result.due_at, result.region), result)
    if not unique:
        return []
    table = Check.__table__
    statement = (
        _insert(session, table)  # type: ignore[arg-type]
        .on_conflict_do_nothing(index_elements=["monitor_id", "due_at", "region"])
        .returning(table.c.monitor_id, table.c.due_at, table.c.region)
    )
    rows = await session.execute(statement, [_check_row(r) for r in unique.values()])
    return [unique[(row.monitor_id, row.due_at, row.region)] for row in rows]


async def update_rollups(session: AsyncSession, results: Sequence[CheckResult]) -> None:
    """Merge the new checks into minute, hour and day rollups (read, merge, write)."""
    rows = [(r.monitor_id, r.due_at, r.up, r.response_time_ms) for r in results]
    for resolution in RESOLUTIONS:
        model = ROLLUP_MODELS[resolution]
        fresh = aggregate_checks(rows, resolution)
        existing = {
            (row.monitor_id, row.bucket_start): row
            for row in await session.scalars(
                select(model).where(tuple_(model.monitor_id, model.bucket_start).in_(list(fresh)))
            )
        }
        for (monitor_id, start), aggregate in fresh.items():
            row = existing.get((monitor_id, start))
            if row is None:
                row = model(monitor_id=monitor_id, bucket_start=start)
                session.add(row)
                merged = aggregate
            else:
                merged = row.to_aggregate()
                merged.merge(aggregate)
            row.store_aggregate(merged)


async def _load_monitors(
    session: AsyncSession, monitor_ids: set[int]
) -> dict[int, tuple[Monitor, MonitorState]]:
    rows = await session.execute(
        select(Monitor, MonitorState)
        .join(MonitorState, MonitorState.monitor_id == Monitor.id)
        .where(Monitor.id.in_(monitor_ids))
    )
    return {monitor.id: (monitor, state) for monitor, state in rows}


async def _feed(
    session: AsyncSession,
    monitor: Monitor,
    state: MonitorState,
    result: CheckResult,
) -> OutboxEvent | None:
    """Run one result through the state machine and record what it decided."""
    state.last_checked_at = max(filter(None, [state.last_checked_at, result.checked_at]))
    if state.last_due_at is not None and result.due_at <= state.last_due_at:
        return None  # an older due time arriving late: stored, but decisions follow due times
    state.last_due_at = result.due_at
    if not result.up:
        state.last_error = result.error
    if monitor.paused:
        return None
    before = MonitorStatus(
        state.status,  # type: ignore[arg-type]
        state.consecutive_failures,
        state.consecutive_successes,
    )
    decision = apply_outcome(
        before,
        up=result.up,
        failure_threshold=monitor.failure_threshold,
        recovery_threshold=monitor.recovery_threshold,
    )
    after = decision.state
    if after.consecutive_failures == 1 or after.consecutive_successes == 1:
        state.streak_started_at = result.due_at
    state.status = after.status
    state.consecutive_failures = after.consecutive_failures
    state.consecutive_successes = after.consecutive_successes
    if decision.transition == "down":
        return await _open_incident(session, monitor, state, result)
    if decision.transition == "up":
        return await _resolve_incident(session, monitor, state)
    return None


async def _open_incident(
    session: AsyncSession, monitor: Monitor, state: MonitorState, result: CheckResult
) -> OutboxEvent:
    started_at = state.streak_started_at or result.due_at
    incident = Incident(
        monitor_id=monitor.id, status="open", started_at=started_at, cause=result.error
    )
    session.add(incident)
    await session.flush()  # the event and the state carry the incident's id
    state.open_incident_id = incident.id
    return OutboxEvent(
        type="down",
        monitor_id=monitor.id,
        incident_id=incident.id,
        at=started_at,
        cause=result.error,
    )


async def _resolve_incident(
    session: AsyncSession, monitor: Monitor, state: MonitorState
) -> OutboxEvent:
    resolved_at = state.streak_started_at
    incident_id = state.open_incident_id
    if incident_id is not None:
        incident = await session.get(Incident, incident_id)
        if incident is not None and incident.status == "open":
            incident.status = "resolved"
            incident.resolved_at = resolved_at
    state.open_incident_id = None
    return OutboxEvent(type="up", monitor_id=monitor.id, incident_id=incident_id, at=resolved_at)


async def record_results(
    session: AsyncSession, results: Sequence[CheckResult]
) -> list[OutboxEvent]:
    """Store a batch and apply it; the caller commits. Returns the events it created."""
    monitors = await _load_monitors(session, {r.monitor_id for r in results})
    # Results of deleted monitors are dropped: nothing would ever read or prune them.
    known = [r for r in results if r.monitor_id in monitors]
    new = await insert_new_checks(session, known)
    if not new:
        return []
    await update_rollups(session, new)
    events: list[OutboxEvent] = []
    for result in sorted(new, key=lambda r: (r.monitor_id, r.due_at)):
        monitor, state = monitors[result.monitor_id]
        event = await _feed(session, monitor, state, result)
        if event is not None:
            session.add(event)
            events.append(event)
    return events
