"""Maintenance windows starting and ending, noticed by the ingester's periodic sweep.

Each start and each end is claimed once with a conditional UPDATE on the window's
`last_started_at`/`last_ended_at`, so of several ingesters sweeping at once exactly one
emits its events, in the same transaction as the claim (as reminders are claimed). The
claims are kept for every window, `notify` or not, so they always say whether the window
is in progress; only what is emitted depends on it:

- start, with `notify`: `maintenance_started` for each covered monitor;
- end, with `notify`: `maintenance_ended` for each covered monitor;
- end, always: `down` for incidents that opened during the window and are still open
  (services/in_maintenance.announce_hidden_outages).

A window that starts and ends between two sweeps (a second apart) is not announced.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import MaintenanceWindow, OutboxEvent
from betteruptime.domain.maintenance import current_occurrence
from betteruptime.services.in_maintenance import (
    announce_hidden_outages,
    claim,
    in_progress,
    in_progress_sql,
    maybe_active_at,
    notice_events,
    schedule_of,
    window_monitor_ids,
)


async def emit_maintenance_events(session: AsyncSession, *, now: datetime) -> list[OutboxEvent]:
    """Claim the windows that started or ended since the last sweep and add their events
    to the session; the caller commits."""
    windows = (
        await session.scalars(
            select(MaintenanceWindow)
            .where(or_(maybe_active_at(now), in_progress_sql()))
            .order_by(MaintenanceWindow.id)
        )
    ).all()
    started: list[tuple[MaintenanceWindow, datetime]] = []
    ended: list[MaintenanceWindow] = []
    for window in windows:
        occurrence = current_occurrence(schedule_of(window), now)
        if (occurrence is not None) == in_progress(window):
            continue  # nothing changed since the last sweep
        # A start is claimed as `now`, not as the occurrence's start: it must come after
        # the last end even when a window is edited back into the occurrence it just left.
        column = "last_started_at" if occurrence is not None else "last_ended_at"
        if not await claim(session, window, **{column: now}):
            continue  # another ingester emitted this one
        if occurrence is not None:
            started.append((window, occurrence.start))
        else:
            ended.append(window)
    if not started and not ended:
        return []
    covered = await window_monitor_ids(session, [w.id for w, _ in started] + [w.id for w in ended])
    events: list[OutboxEvent] = []
    for window, since in started:
        if window.notify:
            events += notice_events(
                window, covered[window.id], "maintenance_started", at=since, now=now
            )
    for window in ended:
        if window.notify:
            events += notice_events(
                window, covered[window.id], "maintenance_ended", at=now, now=now
            )
    released = {monitor_id for window in ended for monitor_id in covered[window.id]}
    events += await announce_hidden_outages(session, released, now=now)
    session.add_all(events)
    return events
