"""Which monitors a maintenance window covers right now, and what is owed to people when
a window stops covering them. Shared by the ingester (incident flag, reminders, the
start/end sweep), the notifier (suppression) and the API (deleting a window).

The times are judged by domain/maintenance.py; this module reads the rows, and claims a
window's start or end (a conditional UPDATE) for whoever announces it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import (
    Incident,
    MaintenanceMonitor,
    MaintenanceWindow,
    Monitor,
    OutboxEvent,
)
from betteruptime.domain.maintenance import Schedule, is_active


def schedule_of(window: MaintenanceWindow) -> Schedule:
    return Schedule(
        starts_at=window.starts_at,
        ends_at=window.ends_at,
        weekdays=tuple(window.weekdays or ()),
        start_time=window.start_time,
        duration_minutes=window.duration_minutes,
        timezone=window.timezone,
    )


def maybe_active_at(at: datetime) -> ColumnElement[bool]:
    """A SQL filter that keeps every window that could cover `at`: recurring ones (judged
    in Python) and one-off ones whose span includes it."""
    return or_(
        MaintenanceWindow.start_time.is_not(None),
        and_(MaintenanceWindow.starts_at <= at, MaintenanceWindow.ends_at > at),
    )


def in_progress(window: MaintenanceWindow) -> bool:
    """Whether its start was claimed and its end not yet."""
    started, ended = window.last_started_at, window.last_ended_at
    return started is not None and (ended is None or ended < started)


def in_progress_sql() -> ColumnElement[bool]:
    started, ended = MaintenanceWindow.last_started_at, MaintenanceWindow.last_ended_at
    return and_(started.is_not(None), or_(ended.is_(None), ended < started))


async def claim(session: AsyncSession, window: MaintenanceWindow, **values: datetime) -> bool:
    """Set the claim columns only if nobody changed them since `window` was read; True
    when this caller won the claim."""
    claimed = await session.execute(
        update(MaintenanceWindow)
        .where(
            MaintenanceWindow.id == window.id,
            MaintenanceWindow.last_started_at.is_not_distinct_from(window.last_started_at),
            MaintenanceWindow.last_ended_at.is_not_distinct_from(window.last_ended_at),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


async def monitors_in_maintenance(
    session: AsyncSession, monitor_ids: Collection[int], *, at: datetime
) -> set[int]:
    """Those of `monitor_ids` that an active maintenance window covers at `at`."""
    if not monitor_ids:
        return set()
    rows = await session.execute(
        select(MaintenanceMonitor.monitor_id, MaintenanceWindow)
        .join(MaintenanceWindow, MaintenanceWindow.id == MaintenanceMonitor.window_id)
        .where(MaintenanceMonitor.monitor_id.in_(set(monitor_ids)), maybe_active_at(at))
    )
    return {monitor_id for monitor_id, window in rows if is_active(schedule_of(window), at)}


async def window_monitor_ids(
    session: AsyncSession, window_ids: Collection[int]
) -> dict[int, list[int]]:
    """The monitors each window covers, by id, in one query."""
    found: dict[int, list[int]] = {window_id: [] for window_id in window_ids}
    if not window_ids:
        return found
    rows = await session.execute(
        select(MaintenanceMonitor.window_id, MaintenanceMonitor.monitor_id)
        .where(MaintenanceMonitor.window_id.in_(set(window_ids)))
        .order_by(MaintenanceMonitor.window_id, MaintenanceMonitor.monitor_id)
    )
    for window_id, monitor_id in rows:
        found[window_id].append(monitor_id)
    return found


def notice_events(
    window: MaintenanceWindow,
    monitor_ids: Collection[int],
    type_: str,
    *,
    at: datetime,
    now: datetime,
) -> list[OutboxEvent]:
    """A maintenance_started/ended event per covered monitor. The notifier sends each
    channel one message per window start or end, however many of its monitors it covers."""
    return [
        OutboxEvent(
            type=type_,
            monitor_id=monitor_id,
            window_id=window.id,
            at=at,
            cause=window.name,  # the window may be gone by the time the message is written
            created_at=now,
        )
        for monitor_id in sorted(monitor_ids)
    ]


async def announce_hidden_outages(
    session: AsyncSession, monitor_ids: Collection[int], *, now: datetime
) -> list[OutboxEvent]:
    """`down` events for incidents opened during maintenance and still open now that no
    window covers their monitor: nobody was told, and the service did not come back with
    the end of the maintenance, so now it is an outage like any other. Acknowledged
    incidents are left alone (someone is on it), and so are monitors still covered by
    another window (its end will come back here). The caller adds the events."""
    if not monitor_ids:
        return []
    covered = await monitors_in_maintenance(session, monitor_ids, at=now)
    free = set(monitor_ids) - covered
    if not free:
        return []
    incidents = await session.scalars(
        select(Incident)
        .join(Monitor, Monitor.id == Incident.monitor_id)
        .where(
            Incident.monitor_id.in_(free),
            Incident.status == "open",
            Incident.in_maintenance.is_(True),
            Incident.acknowledged_at.is_(None),
            Monitor.paused.is_(False),
        )
        .order_by(Incident.id)
    )
    events: list[OutboxEvent] = []
    for incident in incidents:
        # The down message just went out: the next reminder is a full period away.
        incident.last_reminded_at = now
        events.append(
            OutboxEvent(
                type="down",
                monitor_id=incident.monitor_id,
                incident_id=incident.id,
                at=incident.started_at,
                cause=incident.cause,
                created_at=now,
            )
        )
    return events
