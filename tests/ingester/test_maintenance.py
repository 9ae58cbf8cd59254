"""Maintenance windows in the ingester, on real SQLite and PostgreSQL: incidents opened
inside one are flagged, reminders wait, and the sweep claims each start and end once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from betteruptime.db.models import (
    Incident,
    MaintenanceMonitor,
    MaintenanceWindow,
    Monitor,
    OutboxEvent,
)
from betteruptime.db.session import SessionFactory
from betteruptime.ingester.maintenance import emit_maintenance_events
from betteruptime.ingester.reminders import emit_due_reminders
from betteruptime.services import maintenance as maintenance_service
from betteruptime.services.in_maintenance import claim
from conftest import MonitorFactory
from ingester.test_store import ingest, result

START = datetime(2026, 6, 1, 22, 0, tzinfo=UTC)
END = START + timedelta(hours=2)


async def make_window(sessions: SessionFactory, monitor_ids: list[int], **fields: Any) -> int:
    async with sessions() as session, session.begin():
        owner = await session.scalar(
            select(Monitor.organization_id).where(Monitor.id == monitor_ids[0])
        )
        values: dict[str, Any] = {
            "name": "DB upgrade",
            "starts_at": START,
            "ends_at": END,
            "notify": True,
        } | fields
        window = MaintenanceWindow(organization_id=owner, **values)
        session.add(window)
        await session.flush()
        session.add_all(MaintenanceMonitor(window_id=window.id, monitor_id=m) for m in monitor_ids)
        return window.id


async def sweep(sessions: SessionFactory, now: datetime) -> list[tuple[str, int, int | None]]:
    async with sessions() as session, session.begin():
        events = await emit_maintenance_events(session, now=now)
        return [(e.type, e.monitor_id, e.window_id or e.incident_id) for e in events]


async def open_incident(
    sessions: SessionFactory, monitor_id: int, *, in_maintenance: bool = True, **fields: Any
) -> int:
    async with sessions() as session, session.begin():
        incident = Incident(
            monitor_id=monitor_id,
            status="open",
            started_at=START + timedelta(minutes=5),
            confirmed_at=START + timedelta(minutes=6),
            cause="HTTP 502",
            in_maintenance=in_maintenance,
            **fields,
        )
        session.add(incident)
        await session.flush()
        return incident.id


async def test_an_incident_opened_inside_an_active_window_is_flagged(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    inside = await make_monitor(failure_threshold=1)
    outside = await make_monitor(failure_threshold=1)
    now = datetime.now(UTC)
    await make_window(
        sessions, [inside], starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    # Another window of the same monitor that is not active changes nothing.
    await make_window(
        sessions, [outside], starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=2)
    )

    events = await ingest(sessions, [result(inside, 0, up=False), result(outside, 0, up=False)])

    assert sorted(e.type for e in events) == ["down", "down"]  # the record stays honest
    async with sessions() as session:
        flags = dict(
            (await session.execute(select(Incident.monitor_id, Incident.in_maintenance))).all()
        )
    assert flags == {inside: True, outside: False}


async def test_a_window_start_and_end_are_each_emitted_once_per_monitor(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    shop, api = await make_monitor(), await make_monitor()
    window = await make_window(sessions, [shop, api])

    before = await sweep(sessions, START - timedelta(seconds=1))
    started = await sweep(sessions, START + timedelta(seconds=1))
    again = await sweep(sessions, START + timedelta(minutes=30))
    ended = await sweep(sessions, END)
    after = await sweep(sessions, END + timedelta(seconds=1))

    assert before == [] and again == [] and after == []
    assert started == [
        ("maintenance_started", shop, window),
        ("maintenance_started", api, window),
    ]
    assert ended == [("maintenance_ended", shop, window), ("maintenance_ended", api, window)]
    async with sessions() as session:
        rows = (await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all()
    assert [row.at for row in rows[:2]] == [START, START]  # when the occurrence began
    assert {row.cause for row in rows} == {"DB upgrade"}


async def test_a_recurring_window_starts_again_on_its_next_day(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    shop = await make_monitor()
    # 2026-06-01 is a Monday; 22:00 UTC is 00:00 in Berlin, Tuesday.
    await make_window(
        sessions,
        [shop],
        starts_at=None,
        ends_at=None,
        weekdays=[1, 2],
        start_time="00:00",
        duration_minutes=60,
        timezone="Europe/Berlin",
    )

    kinds = [
        [t for t, _, _ in await sweep(sessions, START + offset)]
        for offset in (timedelta(minutes=1), timedelta(minutes=61), timedelta(days=1, minutes=1))
    ]

    assert kinds == [["maintenance_started"], ["maintenance_ended"], ["maintenance_started"]]


async def test_without_notify_nothing_is_announced_but_the_claims_are_kept(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    shop = await make_monitor()
    window = await make_window(sessions, [shop], notify=False)

    assert await sweep(sessions, START) == []
    async with sessions() as session:
        row = await session.get(MaintenanceWindow, window)
    assert row is not None and row.last_started_at == START and row.last_ended_at is None


async def test_a_start_already_claimed_by_another_ingester_is_not_emitted_again(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    shop = await make_monitor()
    window_id = await make_window(sessions, [shop])
    async with sessions() as stale:
        window = await stale.get(MaintenanceWindow, window_id)
        assert window is not None
        assert await sweep(sessions, START) != []  # the other ingester

        assert await claim(stale, window, last_started_at=START) is False


async def test_an_outage_hidden_by_the_window_is_announced_when_it_ends(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    shop, acked, before = await make_monitor(), await make_monitor(), await make_monitor()
    await make_window(sessions, [shop, acked, before], notify=False)
    hidden = await open_incident(sessions, shop)
    await open_incident(sessions, acked, acknowledged_at=START + timedelta(minutes=7))
    await open_incident(sessions, before, in_maintenance=False)  # its down went out
    await sweep(sessions, START)

    ended = await sweep(sessions, END)

    assert ended == [("down", shop, hidden)]
    async with sessions() as session:
        incident = await session.get(Incident, hidden)
    assert incident is not None and incident.last_reminded_at == END


async def test_reminders_wait_while_the_monitor_is_in_maintenance(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    shop = await make_monitor(remind_every_minutes=10)
    await make_window(sessions, [shop])
    await open_incident(sessions, shop, in_maintenance=False)

    async def reminders(at: datetime) -> list[str]:
        async with sessions() as session, session.begin():
            return [event.type for event in await emit_due_reminders(session, now=at)]

    assert await reminders(START + timedelta(minutes=30)) == []
    assert await reminders(END + timedelta(seconds=1)) == ["reminder"]


async def test_deleting_a_window_in_progress_ends_it_and_tells_what_it_hid(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    shop = await make_monitor(failure_threshold=1)
    now = datetime.now(UTC)
    window_id = await make_window(
        sessions, [shop], starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    hidden = await open_incident(sessions, shop)
    await sweep(sessions, now)

    async with sessions() as session:
        monitor = await session.get(Monitor, shop)
        assert monitor is not None
        record = await maintenance_service.get_window(
            session, organization_id=monitor.organization_id, window_id=window_id
        )
        assert record is not None
        await maintenance_service.delete_window(session, record=record)

    async with sessions() as session:
        rows = (
            await session.execute(
                select(OutboxEvent.type, OutboxEvent.incident_id)
                .where(OutboxEvent.type != "maintenance_started")
                .order_by(OutboxEvent.id)
            )
        ).all()
        gone = await session.get(MaintenanceWindow, window_id)
    assert gone is None
    assert [tuple(row) for row in rows] == [("maintenance_ended", None), ("down", hidden)]
    assert await sweep(sessions, datetime.now(UTC)) == []
