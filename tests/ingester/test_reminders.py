"""Reminders of open, unacknowledged incidents: one per period, claimed once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from betteruptime.db.models import Incident, OutboxEvent
from betteruptime.db.session import SessionFactory
from betteruptime.ingester.reminders import emit_due_reminders
from conftest import MonitorFactory

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


async def _incident(sessions: SessionFactory, monitor_id: int, **fields: object) -> int:
    async with sessions() as session, session.begin():
        values: dict[str, object] = {
            "status": "open",
            "started_at": NOW - timedelta(minutes=12),
            "confirmed_at": NOW - timedelta(minutes=11),
            "cause": "HTTP 500",
        } | fields
        incident = Incident(monitor_id=monitor_id, **values)
        session.add(incident)
        await session.flush()
        return incident.id


async def _sweep(sessions: SessionFactory, at: datetime) -> list[tuple[str, int | None]]:
    async with sessions() as session, session.begin():
        events = await emit_due_reminders(session, now=at)
        return [(event.type, event.incident_id) for event in events]


async def test_a_reminder_goes_out_once_per_period_while_unacknowledged(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor = await make_monitor(remind_every_minutes=10)
    incident = await _incident(sessions, monitor)

    first = await _sweep(sessions, NOW)
    again = await _sweep(sessions, NOW + timedelta(minutes=9))
    next_period = await _sweep(sessions, NOW + timedelta(minutes=10))

    assert first == [("reminder", incident)]
    assert again == []
    assert next_period == [("reminder", incident)]
    async with sessions() as session:
        row = await session.get(Incident, incident)
        stored = (await session.scalars(select(OutboxEvent.type))).all()
    assert row is not None and row.reminders == 2
    assert stored == ["reminder", "reminder"]


async def test_no_reminder_before_the_first_period_is_over(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor = await make_monitor(remind_every_minutes=15)
    await _incident(sessions, monitor)

    assert await _sweep(sessions, NOW) == []  # confirmed 11 minutes ago


async def test_acknowledged_resolved_paused_or_unset_means_no_reminder(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    acknowledged = await make_monitor(remind_every_minutes=5)
    await _incident(sessions, acknowledged, acknowledged_at=NOW - timedelta(minutes=1))
    resolved = await make_monitor(remind_every_minutes=5)
    await _incident(sessions, resolved, status="resolved", resolved_at=NOW)
    paused = await make_monitor(remind_every_minutes=5, paused=True)
    await _incident(sessions, paused)
    never = await make_monitor()
    await _incident(sessions, never)

    assert await _sweep(sessions, NOW) == []
