"""Maintenance windows of an organization: create, list, change, delete, always scoped to their
organization. The form rules (one-off or recurring, and what each needs) are checked on the
merged result, so a PATCH cannot leave a window half one form and half the other.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import MaintenanceMonitor, MaintenanceWindow, OutboxEvent
from betteruptime.db.types import utcnow
from betteruptime.domain.audit import changes_of, created
from betteruptime.domain.maintenance import Schedule, is_active, schedule_problems
from betteruptime.domain.monitor_kinds import FieldProblem
from betteruptime.services import audit
from betteruptime.services.in_maintenance import (
    announce_hidden_outages,
    claim,
    in_progress,
    notice_events,
    schedule_of,
    window_monitor_ids,
)
from betteruptime.services.monitors import MonitorInvalidError, require_own_monitors

SCHEDULE_FIELDS = ("starts_at", "ends_at", "weekdays", "start_time", "duration_minutes", "timezone")
WINDOW_FIELDS = ("name", *SCHEDULE_FIELDS, "notify")


class MaintenanceInvalidError(MonitorInvalidError):
    """A window whose fields do not fit together; answered like an invalid monitor (422,
    one entry per problem)."""


@dataclass(slots=True)
class WindowRecord:
    window: MaintenanceWindow
    monitor_ids: list[int] = field(default_factory=list)

    @property
    def schedule(self) -> Schedule:
        return schedule_of(self.window)


def _require_valid(values: Mapping[str, Any]) -> None:
    schedule = Schedule(
        starts_at=values["starts_at"],
        ends_at=values["ends_at"],
        weekdays=tuple(values["weekdays"] or ()),
        start_time=values["start_time"],
        duration_minutes=values["duration_minutes"],
        timezone=values["timezone"],
    )
    problems = schedule_problems(schedule)
    if problems:
        raise MaintenanceInvalidError([FieldProblem(name, message) for name, message in problems])


async def _require_own_monitors(
    session: AsyncSession, *, organization_id: int, monitor_ids: Collection[int]
) -> None:
    await require_own_monitors(
        session,
        organization_id=organization_id,
        monitor_ids=monitor_ids,
        error=MaintenanceInvalidError,
    )


async def _replace_monitors(
    session: AsyncSession, *, window_id: int, monitor_ids: Collection[int]
) -> list[int]:
    await session.execute(
        delete(MaintenanceMonitor).where(MaintenanceMonitor.window_id == window_id)
    )
    wanted = sorted(set(monitor_ids))
    session.add_all(MaintenanceMonitor(window_id=window_id, monitor_id=m) for m in wanted)
    return wanted


async def list_windows(session: AsyncSession, *, organization_id: int) -> list[WindowRecord]:
    """The organization's windows by id, with the monitors each covers."""
    windows = (
        await session.scalars(
            select(MaintenanceWindow)
            .where(MaintenanceWindow.organization_id == organization_id)
            .order_by(MaintenanceWindow.id)
        )
    ).all()
    covered = await window_monitor_ids(session, [window.id for window in windows])
    return [WindowRecord(window, covered[window.id]) for window in windows]


async def get_window(
    session: AsyncSession, *, organization_id: int, window_id: int
) -> WindowRecord | None:
    """The organization's window; None if missing or another organization's (they look alike)."""
    window = (
        await session.scalars(
            select(MaintenanceWindow).where(
                MaintenanceWindow.id == window_id,
                MaintenanceWindow.organization_id == organization_id,
            )
        )
    ).one_or_none()
    if window is None:
        return None
    covered = await window_monitor_ids(session, [window.id])
    return WindowRecord(window, covered[window.id])


async def create_window(
    session: AsyncSession,
    *,
    organization_id: int,
    values: Mapping[str, Any],
    monitor_ids: list[int],
) -> WindowRecord:
    """Check the form and the monitors, then insert the window and its coverage."""
    _require_valid(values)
    await _require_own_monitors(session, organization_id=organization_id, monitor_ids=monitor_ids)
    window = MaintenanceWindow(
        organization_id=organization_id,
        **{name: values[name] for name in WINDOW_FIELDS},
        created_at=utcnow(),
    )
    session.add(window)
    await session.flush()
    covered = await _replace_monitors(session, window_id=window.id, monitor_ids=monitor_ids)
    changes = created({**{n: values[n] for n in WINDOW_FIELDS}, "monitor_ids": covered})
    audit.record_change(session, "maintenance_window.create", window, changes)
    await session.commit()
    return WindowRecord(window, covered)


async def update_window(
    session: AsyncSession,
    *,
    record: WindowRecord,
    changes: Mapping[str, Any],
    monitor_ids: list[int] | None,
) -> None:
    """Apply the fields that were sent, after checking the merged result. Monitors taken
    out of a window in progress leave maintenance now: their hidden outages are told."""
    window, now = record.window, utcnow()
    merged = {name: getattr(window, name) for name in WINDOW_FIELDS} | dict(changes)
    _require_valid(merged)
    released: set[int] = set()
    old_monitors = list(record.monitor_ids)
    if monitor_ids is not None:
        await _require_own_monitors(
            session, organization_id=window.organization_id, monitor_ids=monitor_ids
        )
        if is_active(record.schedule, now):
            released = set(record.monitor_ids) - set(monitor_ids)
        record.monitor_ids = await _replace_monitors(
            session, window_id=window.id, monitor_ids=monitor_ids
        )
    for name, value in changes.items():
        setattr(window, name, value)
    recorded = audit.pending_changes(window, WINDOW_FIELDS)
    recorded |= changes_of({"monitor_ids": (old_monitors, list(record.monitor_ids))})
    audit.record_change(session, "maintenance_window.update", window, recorded)
    await session.flush()
    # A window edited so that it no longer covers now is left to the sweep, which tells
    # its end like any other.
    session.add_all(await announce_hidden_outages(session, released, now=now))
    await session.commit()


async def delete_window(session: AsyncSession, *, record: WindowRecord) -> None:
    """Delete a window. If it was in progress it ends now: with `notify` its channels are
    told so, and outages it was hiding are announced (as when a window ends by itself)."""
    window, now = record.window, utcnow()
    was_active = is_active(record.schedule, now)
    # Claimed like the sweep's end, so a sweep ending it at this moment does not also tell.
    told_end = in_progress(window) and await claim(session, window, last_ended_at=now)
    audit.record_change(session, "maintenance_window.delete", window, {"name": [window.name, None]})
    await session.delete(window)
    await session.flush()
    events: list[OutboxEvent] = []
    if told_end and window.notify:
        events += notice_events(window, record.monitor_ids, "maintenance_ended", at=now, now=now)
    if was_active or told_end:
        events += await announce_hidden_outages(session, record.monitor_ids, now=now)
    session.add_all(events)
    await session.commit()
