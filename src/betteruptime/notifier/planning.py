"""Turning events into notifications: one row per (event, channel), written once.

The idempotency key `event:<id>` is unique per channel, so an event the stream delivers
twice (a notifier died before acking it, the relay published it again) plans nothing
new, and what was already sent stays sent. An acknowledgement cancels the escalations of
its incident still waiting.

Planning stamps the outbox rows `planned_at` in the same transaction: from then on the
relay stops publishing them again. Before a batch is planned, the earlier events of its
monitors that no notifier has planned yet (their stream entry was lost) are taken from
the outbox and planned first, so a recovery never goes out without its outage.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.alerting.context import AlertContext
from betteruptime.alerting.render import render
from betteruptime.alerting.rules import Link, plan_deliveries
from betteruptime.db.models import (
    Check,
    Incident,
    Monitor,
    MonitorChannel,
    Notification,
    OutboxEvent,
    notification_values,
)
from betteruptime.db.upsert import insert_for
from betteruptime.domain.messages import Event
from betteruptime.notifier.notices import (
    MAINTENANCE_EVENTS,
    add_speed,
    in_maintenance,
    maintenance_rows,
)
from betteruptime.services.screenshots import latest_screenshot, screenshot_path

# Statuses of a down message that count as "this channel was told".
TOLD = ("sending", "sent", "folded", "failed")
# Earlier unplanned events taken from the outbox with one batch, at most.
EARLIER_LIMIT = 100


def event_key(event_id: int) -> str:
    return f"event:{event_id}"


async def _links(session: AsyncSession, monitor_id: int) -> list[Link]:
    rows = await session.scalars(
        select(MonitorChannel).where(MonitorChannel.monitor_id == monitor_id)
    )
    return [Link(row.channel_id, frozenset(row.events or ()), row.delay_minutes) for row in rows]


async def _told_of_down(session: AsyncSession, incident_id: int | None) -> set[int]:
    if incident_id is None:
        return set()
    rows = await session.scalars(
        select(Notification.channel_id).where(
            Notification.incident_id == incident_id,
            Notification.kind == "down",
            Notification.status.in_(TOLD),
        )
    )
    return set(rows)


async def _latest_reports(
    session: AsyncSession, monitor_id: int, before: datetime
) -> list[tuple[str, bool, int | None]]:
    """(region, up, status code) of the newest due time at or before `before`."""
    newest = await session.scalar(
        select(Check.due_at)
        .where(Check.monitor_id == monitor_id, Check.due_at <= before)
        .order_by(Check.due_at.desc())
        .limit(1)
    )
    if newest is None:
        return []
    rows = await session.execute(
        select(Check.region, Check.up, Check.status_code).where(
            Check.monitor_id == monitor_id, Check.due_at == newest
        )
    )
    return [(region, up, code) for region, up, code in rows]


async def alert_context(
    session: AsyncSession,
    event: Event,
    monitor: Monitor,
    incident: Incident | None,
    now: datetime,
    base_url: str = "",
) -> AlertContext:
    """What the event's message says. `base_url` (BETTERUPTIME_PUBLIC_URL) starts the
    links it carries: a browser check's failure screenshot on the dashboard."""
    decided_at = event.decided_at or now
    context = AlertContext(
        type=event.type,
        monitor_id=monitor.id,
        monitor_name=monitor.name,
        monitor_url=monitor.url,
        monitor_kind=monitor.kind,
        incident_id=event.incident_id,
        started_at=incident.started_at if incident else event.at,
        confirmed_at=incident.confirmed_at if incident else None,
        resolved_at=incident.resolved_at if incident else None,
        acknowledged_at=incident.acknowledged_at if incident else None,
        cause=event.cause or (incident.cause if incident else None),
        regions=list(monitor.regions or []),
        reminder_number=incident.reminders if incident and event.type == "reminder" else None,
        decided_at=decided_at,
    )
    if event.type in ("down", "reminder"):
        reports = await _latest_reports(session, monitor.id, decided_at)
        failing = [(region, code) for region, up, code in reports if not up]
        context.failing_regions = sorted(region for region, _ in failing)
        codes = [code for _, code in failing if code is not None]
        context.status_code = codes[0] if codes else None
        if monitor.kind == "browser":
            shot = await latest_screenshot(session, monitor_id=monitor.id, at_or_before=decided_at)
            if shot is not None:
                context.screenshot_url = base_url + screenshot_path(monitor.id, shot)
    if event.type == "up" and incident is not None and incident.resolved_at is None:
        context.resolved_at = event.at
    if event.type == "degraded":
        await add_speed(session, context, monitor)
    return context


def _insert_ignoring_duplicates(session: AsyncSession, rows: list[dict[str, Any]]) -> Any:
    return (
        insert_for(session, Notification)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["channel_id", "key"])
    )


async def events_to_plan(
    session: AsyncSession, events: Sequence[Event]
) -> tuple[set[int], list[Event]]:
    """Which of `events` no notifier has planned yet (ids), and the earlier events of
    their monitors still unplanned in the outbox, oldest first."""
    ids = {event.id for event in events}
    planned = set(
        await session.scalars(
            select(OutboxEvent.id).where(
                OutboxEvent.id.in_(ids), OutboxEvent.planned_at.is_not(None)
            )
        )
    )
    latest: dict[int, int] = {}
    for event in events:
        if event.id not in planned:
            latest[event.monitor_id] = max(latest.get(event.monitor_id, 0), event.id)
    if not latest:
        return ids - planned, []
    rows = await session.scalars(
        select(OutboxEvent)
        .where(
            OutboxEvent.monitor_id.in_(latest),
            OutboxEvent.planned_at.is_(None),
            OutboxEvent.id < max(latest.values()),
            OutboxEvent.id.not_in(ids),
        )
        .order_by(OutboxEvent.id)
        .limit(EARLIER_LIMIT)
    )
    earlier = [row.to_event() for row in rows if row.id < latest[row.monitor_id]]
    return ids - planned, earlier


async def mark_planned(session: AsyncSession, event_ids: Sequence[int], *, now: datetime) -> None:
    """Stamp the events planned (or set aside): the relay stops publishing them again."""
    if event_ids:
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(event_ids), OutboxEvent.planned_at.is_(None))
            .values(planned_at=now)
            .execution_options(synchronize_session=False)
        )


async def plan_events(
    session: AsyncSession, events: Sequence[Event], *, now: datetime, base_url: str = ""
) -> int:
    """Write the notifications of `events` and stamp them planned (uncommitted); returns
    how many notifications were planned, counting those that existed already. `base_url`
    starts the links in messages (see alert_context)."""
    await mark_planned(session, [event.id for event in events], now=now)
    rows: list[dict[str, Any]] = []
    for event in events:
        monitor = await session.get(Monitor, event.monitor_id)
        if monitor is None:
            continue  # deleted since: nobody to tell about it
        if event.type in MAINTENANCE_EVENTS:
            rows += await maintenance_rows(session, event, monitor, now=now)
            continue
        incident = await session.get(Incident, event.incident_id) if event.incident_id else None
        if event.type == "acknowledged" and event.incident_id is not None:
            await cancel_escalations(session, event.incident_id)
        links = await _links(session, monitor.id)
        told = await _told_of_down(session, event.incident_id)
        if await in_maintenance(session, event, now=now):
            # Silence, except a recovery for those who were told of its outage (notices.py).
            links = [link for link in links if event.type == "up" and link.channel_id in told]
        planned = plan_deliveries(
            event.type, decided_at=event.decided_at or now, links=links, escalated=told
        )
        if not planned:
            continue
        context = await alert_context(session, event, monitor, incident, now, base_url)
        # A message that cannot be written fails here, where its event is set aside,
        # not when sending, where it would hold up its channel.
        render(context)
        payload = context.model_dump(mode="json")
        rows += [
            notification_values(
                channel_id=plan.channel_id,
                key=event_key(event.id),
                kind=event.type,
                event_id=event.id,
                monitor_id=monitor.id,
                incident_id=event.incident_id,
                payload=payload,
                escalation=plan.escalation,
                due_at=plan.due_at,
                now=now,
            )
            for plan in planned
        ]
    if rows:
        await session.execute(_insert_ignoring_duplicates(session, rows))
    return len(rows)


async def cancel_escalations(session: AsyncSession, incident_id: int) -> None:
    """Escalations and reminders of the incident that have not gone out: not needed now."""
    await session.execute(
        update(Notification)
        .where(
            Notification.incident_id == incident_id,
            Notification.status == "pending",
            (Notification.escalation.is_(True)) | (Notification.kind == "reminder"),
        )
        .values(status="cancelled", last_error="acknowledged before it was due")
        .execution_options(synchronize_session=False)
    )
