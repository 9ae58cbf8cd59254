"""Maintenance windows in time: is one active now, since when, until when. Pure, no I/O.

A window is one-off (`starts_at` until `ends_at`, instants) or recurring: on `weekdays`
(0 = Monday … 6 = Sunday) at the wall-clock `start_time` of its `timezone`, lasting
`duration_minutes`. Recurring windows are computed in their own time zone, so "Sundays at
02:00 in Europe/Berlin" stays 02:00 on the wall clock across daylight saving changes:

- the duration is elapsed time: 02:00 for 120 minutes on the night the clocks go back
  ends at 03:00 on the wall clock (three hours of wall clock went by in two real ones);
- a start time that does not exist that day (skipped when the clocks go forward) starts
  at the same instant as the time before the gap would have (02:30 is read as 03:30);
- a start time that happens twice (the clocks go back) starts at the first of the two.

An occurrence may run across midnight and into the next weekday: that still counts as
the day it started on. Overlapping or touching occurrences (a daily window longer than
a day) merge into one, so a window starts and ends once, not once per occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_DURATION_MINUTES = 7 * 24 * 60
START_TIME_PATTERN = r"^([01][0-9]|2[0-3]):([0-5][0-9])$"
_HH_MM = re.compile(START_TIME_PATTERN)
# Local days looked at around `now`: the longest occurrence (7 days) plus a day of time
# zone offset, so an occurrence still running from last week is found.
_DAYS_AROUND = 8


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a window applies; exactly one of the two forms is filled in."""

    starts_at: datetime | None = None
    ends_at: datetime | None = None
    weekdays: tuple[int, ...] = ()
    start_time: str | None = None
    duration_minutes: int | None = None
    timezone: str = "UTC"

    @property
    def recurring(self) -> bool:
        return self.start_time is not None


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One stretch of maintenance, as UTC instants: `start` included, `end` excluded."""

    start: datetime
    end: datetime

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def parse_start_time(text: str) -> time:
    """ "HH:MM" (24-hour clock) as a time; ValueError otherwise."""
    match = _HH_MM.fullmatch(text)
    if match is None:
        raise ValueError('must be a time of day as "HH:MM" (24-hour clock), such as "02:30"')
    return time(int(match.group(1)), int(match.group(2)))


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def schedule_problems(schedule: Schedule) -> list[tuple[str, str]]:
    """(field, message) for each rule the schedule breaks; [] when it is usable."""
    one_off = schedule.starts_at is not None or schedule.ends_at is not None
    recurring = (
        bool(schedule.weekdays)
        or schedule.start_time is not None
        or schedule.duration_minutes is not None
    )
    if one_off and recurring:
        return [
            (
                "body",
                "a window is either one-off (starts_at, ends_at) or recurring (weekdays, "
                "start_time, duration_minutes), not both; set the other form's fields to null",
            )
        ]
    if not one_off and not recurring:
        return [
            (
                "body",
                "give starts_at and ends_at (one-off), or weekdays, start_time and "
                "duration_minutes (recurring)",
            )
        ]
    if one_off:
        return _one_off_problems(schedule)
    return _recurring_problems(schedule)


def _one_off_problems(schedule: Schedule) -> list[tuple[str, str]]:
    missing = [name for name in ("starts_at", "ends_at") if getattr(schedule, name) is None]
    if missing:
        return [(name, "is required for a one-off window") for name in missing]
    assert schedule.starts_at is not None and schedule.ends_at is not None
    if schedule.starts_at >= schedule.ends_at:
        return [("ends_at", "must be after starts_at")]
    return []


def _recurring_problems(schedule: Schedule) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if not schedule.weekdays:
        problems.append(("weekdays", "name at least one day (0 = Monday … 6 = Sunday)"))
    elif any(not 0 <= day <= 6 for day in schedule.weekdays):
        problems.append(("weekdays", "days are 0 (Monday) to 6 (Sunday)"))
    if schedule.start_time is None:
        problems.append(("start_time", "is required for a recurring window"))
    else:
        try:
            parse_start_time(schedule.start_time)
        except ValueError as error:
            problems.append(("start_time", str(error)))
    duration = schedule.duration_minutes
    if duration is None:
        problems.append(("duration_minutes", "is required for a recurring window"))
    elif not 1 <= duration <= MAX_DURATION_MINUTES:
        problems.append(("duration_minutes", f"must be 1 to {MAX_DURATION_MINUTES} (7 days)"))
    if not valid_zone(schedule.timezone):
        problems.append(("timezone", "is not a known time zone (such as Europe/Paris)"))
    return problems


def _local_start(day: date, at: time, zone: ZoneInfo) -> datetime:
    # fold=0: a repeated wall time is its first instance; a skipped one takes the offset
    # from before the gap, which lands it after the gap (02:30 → 03:30).
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def occurrences(schedule: Schedule, around: datetime) -> list[Occurrence]:
    """The window's occurrences near `around` (a week or more each way), by start,
    overlapping ones merged."""
    if not schedule.recurring:
        if schedule.starts_at is None or schedule.ends_at is None:
            return []
        return [Occurrence(schedule.starts_at, schedule.ends_at)]
    assert schedule.start_time is not None and schedule.duration_minutes is not None
    zone = ZoneInfo(schedule.timezone)
    at = parse_start_time(schedule.start_time)
    length = timedelta(minutes=schedule.duration_minutes)
    today = around.astimezone(zone).date()
    starts = [
        _local_start(day, at, zone)
        for offset in range(-_DAYS_AROUND, _DAYS_AROUND + 1)
        if (day := today + timedelta(days=offset)).weekday() in schedule.weekdays
    ]
    return _merged([Occurrence(start, start + length) for start in sorted(starts)])


def _merged(items: Sequence[Occurrence]) -> list[Occurrence]:
    merged: list[Occurrence] = []
    for item in items:
        if merged and item.start <= merged[-1].end:
            merged[-1] = Occurrence(merged[-1].start, max(merged[-1].end, item.end))
        else:
            merged.append(item)
    return merged


def current_occurrence(schedule: Schedule, now: datetime) -> Occurrence | None:
    """The occurrence in progress at `now`, with its start and end; None when inactive."""
    return next((item for item in occurrences(schedule, now) if item.covers(now)), None)


def is_active(schedule: Schedule, now: datetime) -> bool:
    """Whether the window covers the instant `now` (an aware datetime)."""
    return current_occurrence(schedule, now) is not None


def next_start(schedule: Schedule, now: datetime) -> datetime | None:
    """When the next occurrence starting after `now` begins (None: never again)."""
    return next((item.start for item in occurrences(schedule, now) if item.start > now), None)
