"""Planning what is not an incident's own news: maintenance windows starting and ending,
monitors turning degraded, and the silence of monitors inside a maintenance window.

- Inside an active window (judged at the moment the event was decided), `down`,
  `reminder` and `degraded` are not sent at all, and `up` only to channels that were told
  of that incident's `down` (an outage announced before the window still gets its
  recovery). The incident itself is recorded as usual, flagged `in_maintenance`.
- `maintenance_started`/`maintenance_ended` come from windows with `notify` on, one event
  per covered monitor, and go to every channel linked to those monitors, whatever events
  the links name: `notify` on the window is the opt-in. Their idempotency key names the
  window and the moment, not the event, so a channel linked to several of the window's
  monitors gets one message per start or end, not one per monitor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.alerting.context import AlertContext
from betteruptime.alerting.render import render
from betteruptime.db.models import (
    Check,
    MaintenanceMonitor,
    MaintenanceWindow,
    Monitor,
    MonitorChannel,
    notification_values,
)
from betteruptime.domain.degraded import typical_response_ms
from betteruptime.domain.maintenance import current_occurrence
from betteruptime.domain.messages import Event
from betteruptime.domain.quorum import RegionReport
from betteruptime.services.in_maintenance import monitors_in_maintenance, schedule_of

MAINTENANCE_EVENTS = frozenset({"maintenance_started", "maintenance_ended"})
QUIET_IN_MAINTENANCE = frozenset({"down", "up", "reminder", "degraded"})


async def in_maintenance(session: AsyncSession, event: Event, *, now: datetime) -> bool:
    """Whether the event's monitor was inside an active window when it was decided."""
    if event.type not in QUIET_IN_MAINTENANCE:
        return False
    at = event.decided_at or now
    return bool(await monitors_in_maintenance(session, {event.monitor_id}, at=at))


async def add_speed(session: AsyncSession, context: AlertContext, monitor: Monitor) -> None:
    """A degraded message's numbers: the due time's typical response time (from its
    stored checks) and the monitor's threshold."""
    rows = await session.execute(
        select(Check.region, Check.up, Check.response_time_ms).where(
            Check.monitor_id == monitor.id, Check.due_at == context.started_at
        )
    )
    reports = [RegionReport(region, up, None, ms) for region, up, ms in rows]
    context.response_time_ms = typical_response_ms(reports)
    context.degraded_after_ms = monitor.degraded_after_ms


def maintenance_key(event: Event) -> str:
    """One per window and moment: `maintenance_started:<window>:<epoch>` (≤ 64 chars)."""
    return f"{event.type}:{event.window_id}:{int(event.at.timestamp())}"


async def _window_context(
    session: AsyncSession, event: Event, monitor: Monitor, now: datetime
) -> AlertContext:
    context = AlertContext(
        type=event.type,
        monitor_id=monitor.id,
        monitor_name=monitor.name,
        monitor_url=monitor.url,
        monitor_kind=monitor.kind,
        started_at=event.at,
        decided_at=event.decided_at or now,
        window_name=event.cause,
    )
    window = await session.get(MaintenanceWindow, event.window_id) if event.window_id else None
    if window is None:
        return context  # deleted since: the event's own copy of the name will do
    context.window_name = window.name
    names = await session.scalars(
        select(Monitor.name)
        .join(MaintenanceMonitor, MaintenanceMonitor.monitor_id == Monitor.id)
        .where(MaintenanceMonitor.window_id == window.id)
        .order_by(Monitor.name, Monitor.id)
    )
    context.window_monitors = list(names)
    if event.type == "maintenance_started":
        occurrence = current_occurrence(schedule_of(window), event.at)
        context.window_ends_at = occurrence.end if occurrence else None
    return context


async def maintenance_rows(
    session: AsyncSession, event: Event, monitor: Monitor, *, now: datetime
) -> list[dict[str, Any]]:
    """The notification rows of a maintenance_started/ended event: every channel of the
    monitor, at once."""
    channel_ids = list(
        await session.scalars(
            select(MonitorChannel.channel_id).where(MonitorChannel.monitor_id == monitor.id)
        )
    )
    if not channel_ids:
        return []
    context = await _window_context(session, event, monitor, now)
    render(context)  # as planning.py does: fails here, not when sending
    payload = context.model_dump(mode="json")
    return [
        notification_values(
            channel_id=channel_id,
            key=maintenance_key(event),
            kind=event.type,
            event_id=event.id,
            monitor_id=monitor.id,
            payload=payload,
            due_at=event.decided_at or now,
            now=now,
        )
        for channel_id in sorted(channel_ids)
    ]
