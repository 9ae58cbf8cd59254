"""Reminders: while an incident is open and nobody has acknowledged it, say so again
every `remind_every_minutes` of its monitor.

The ingester's periodic sweep calls this. Each reminder is claimed with a conditional
UPDATE on the incident's reminder count, so of several ingesters sweeping at once only
one emits it, and the event goes into the outbox in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import Incident, Monitor, OutboxEvent
from betteruptime.services.in_maintenance import monitors_in_maintenance


async def emit_due_reminders(
    session: AsyncSession, *, now: datetime, limit: int = 500
) -> list[OutboxEvent]:
    """Reminder events for every incident whose next reminder is due; the caller commits."""
    rows = await session.execute(
        select(Incident, Monitor.remind_every_minutes)
        .join(Monitor, Monitor.id == Incident.monitor_id)
        .where(
            Incident.status == "open",
            Incident.acknowledged_at.is_(None),
            Monitor.remind_every_minutes.is_not(None),
            Monitor.paused.is_(False),
        )
        .limit(limit)
    )
    found = rows.all()
    # Inside a maintenance window reminders are skipped, not claimed: once it is over
    # the overdue reminder goes out at the next sweep, saying it is still down.
    quiet = await monitors_in_maintenance(session, {i.monitor_id for i, _ in found}, at=now)
    events: list[OutboxEvent] = []
    for incident, every_minutes in found:
        last = incident.last_reminded_at or incident.confirmed_at or incident.started_at
        if every_minutes is None or last + timedelta(minutes=every_minutes) > now:
            continue
        if incident.monitor_id in quiet:
            continue
        claimed = await session.execute(
            update(Incident)
            .where(Incident.id == incident.id, Incident.reminders == incident.reminders)
            .values(reminders=incident.reminders + 1, last_reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another ingester emitted this one
        events.append(
            OutboxEvent(
                type="reminder",
                monitor_id=incident.monitor_id,
                incident_id=incident.id,
                at=incident.started_at,
                cause=incident.cause,
                created_at=now,
            )
        )
    session.add_all(events)
    return events
