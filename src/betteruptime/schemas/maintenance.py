"""Maintenance window bodies.

Each field's own rules live in its type; which form a window takes (one-off or
recurring) and whether its parts fit together is checked by `services.maintenance` on the
merged result, for PATCH as well as POST (domain/maintenance.schedule_problems).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from betteruptime.db.models import MaintenanceWindow
from betteruptime.domain.maintenance import (
    MAX_DURATION_MINUTES,
    START_TIME_PATTERN,
    Schedule,
    current_occurrence,
    next_start,
    parse_start_time,
)
from betteruptime.schemas.base import RequestModel
from betteruptime.schemas.instants import Instant
from betteruptime.schemas.kinds import TimeZone
from betteruptime.schemas.text import LINE, pattern
from betteruptime.schemas.updates import not_null

MAX_MONITORS = 1000


def _start_time(value: str) -> str:
    parse_start_time(value)
    return value


def _distinct_days(days: list[int]) -> list[int]:
    return sorted(set(days))


WindowName = Annotated[str, Field(min_length=1, max_length=200), LINE]
Weekdays = Annotated[
    list[Annotated[int, Field(ge=0, le=6)]],
    Field(max_length=7, description="Recurring: the days it starts on, 0 = Monday … 6 = Sunday."),
    AfterValidator(_distinct_days),
]
StartTime = Annotated[
    str,
    Field(max_length=5, description='Recurring: the wall-clock start in `timezone`, "HH:MM".'),
    AfterValidator(_start_time),
    pattern(START_TIME_PATTERN),
]
Duration = Annotated[
    int,
    Field(ge=1, le=MAX_DURATION_MINUTES, description="Recurring: how long it lasts (minutes)."),
]
MonitorIds = Annotated[
    list[Annotated[int, Field(ge=1, le=2**31 - 1)]],
    Field(
        max_length=MAX_MONITORS,
        description="Ids of your monitors it covers; on PATCH the list replaces the current one.",
    ),
]
Notify = Annotated[
    bool,
    Field(
        description="Tell the covered monitors' channels when the window starts and ends "
        "(all their channels, whatever events their links name)."
    ),
]


class MaintenanceWindowCreate(RequestModel):
    """A window: one-off (`starts_at`, `ends_at`) or recurring (`weekdays`, `start_time`,
    `duration_minutes`, `timezone`). Inside it the covered monitors are still checked
    and their incidents recorded, but no down, up, reminder or degraded message goes out."""

    name: WindowName
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    weekdays: Weekdays = Field(default_factory=list)
    start_time: StartTime | None = None
    duration_minutes: Duration | None = None
    timezone: TimeZone = "UTC"
    notify: Notify = False
    monitor_ids: MonitorIds = Field(default_factory=list)


# Fields every window has: PATCH may change them but not set them to null.
_REQUIRED_ON_UPDATE = ("name", "weekdays", "timezone", "notify", "monitor_ids")


class MaintenanceWindowUpdate(RequestModel):
    """A partial change: only the fields sent change; null clears the optional ones (to
    switch forms, null the other form's fields)."""

    name: WindowName | None = None
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    weekdays: Weekdays | None = None
    start_time: StartTime | None = None
    duration_minutes: Duration | None = None
    timezone: TimeZone | None = None
    notify: Notify | None = None
    monitor_ids: MonitorIds | None = None

    _not_null = not_null(*_REQUIRED_ON_UPDATE)


class MaintenanceWindowPublic(BaseModel):
    id: int
    name: str
    starts_at: datetime | None
    ends_at: datetime | None
    weekdays: list[int]
    start_time: str | None
    duration_minutes: int | None
    timezone: str
    notify: bool
    monitor_ids: list[int]
    active: bool = Field(description="Whether it covers its monitors right now.")
    active_until: datetime | None = Field(description="When the current occurrence ends.")
    next_starts_at: datetime | None = Field(
        description="When the next occurrence begins; null: none ahead."
    )
    created_at: datetime

    @classmethod
    def from_row(
        cls, window: MaintenanceWindow, monitor_ids: list[int], schedule: Schedule, now: datetime
    ) -> MaintenanceWindowPublic:
        current = current_occurrence(schedule, now)
        return cls(
            id=window.id,
            name=window.name,
            starts_at=window.starts_at,
            ends_at=window.ends_at,
            weekdays=list(window.weekdays or []),
            start_time=window.start_time,
            duration_minutes=window.duration_minutes,
            timezone=window.timezone,
            notify=window.notify,
            monitor_ids=monitor_ids,
            active=current is not None,
            active_until=current.end if current else None,
            next_starts_at=next_start(schedule, now),
            created_at=window.created_at,
        )
