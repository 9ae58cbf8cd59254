"""Maintenance windows in time: one-off, recurring, across midnight and across daylight
saving changes (Europe/Berlin: clocks forward 2026-03-29 02:00, back 2026-10-25 03:00)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from betteruptime.domain.maintenance import (
    Occurrence,
    Schedule,
    current_occurrence,
    is_active,
    next_start,
    schedule_problems,
)

BERLIN = "Europe/Berlin"
MON, TUE, WED, SAT, SUN = 0, 1, 2, 5, 6


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def weekly(days: tuple[int, ...], at: str, minutes: int, zone: str = "UTC") -> Schedule:
    return Schedule(weekdays=days, start_time=at, duration_minutes=minutes, timezone=zone)


ONE_OFF = Schedule(starts_at=utc(2026, 5, 1, 22, 0), ends_at=utc(2026, 5, 2, 1, 0))


def test_a_one_off_window_covers_its_start_but_not_its_end() -> None:
    assert not is_active(ONE_OFF, utc(2026, 5, 1, 21, 59, 59))
    assert is_active(ONE_OFF, utc(2026, 5, 1, 22, 0))
    assert is_active(ONE_OFF, utc(2026, 5, 2, 0, 59, 59))
    assert not is_active(ONE_OFF, utc(2026, 5, 2, 1, 0))


def test_a_one_off_window_reports_its_span_and_no_next_start_once_over() -> None:
    now = utc(2026, 5, 1, 23, 0)
    assert current_occurrence(ONE_OFF, now) == Occurrence(ONE_OFF.starts_at, ONE_OFF.ends_at)  # type: ignore[arg-type]
    assert next_start(ONE_OFF, utc(2026, 4, 1)) == ONE_OFF.starts_at
    assert next_start(ONE_OFF, now) is None


def test_a_weekly_window_is_active_only_on_its_days_at_its_time() -> None:
    nightly = weekly((MON, WED), "02:00", 60)  # 2026-06-01 is a Monday
    assert is_active(nightly, utc(2026, 6, 1, 2, 30))
    assert not is_active(nightly, utc(2026, 6, 2, 2, 30))  # Tuesday
    assert is_active(nightly, utc(2026, 6, 3, 2, 0))
    assert not is_active(nightly, utc(2026, 6, 3, 3, 0))
    assert next_start(nightly, utc(2026, 6, 1, 4, 0)) == utc(2026, 6, 3, 2, 0)


def test_a_window_running_across_midnight_belongs_to_the_day_it_started() -> None:
    late = weekly((MON,), "23:00", 120)
    occurrence = current_occurrence(late, utc(2026, 6, 2, 0, 30))  # Tuesday 00:30
    assert occurrence == Occurrence(utc(2026, 6, 1, 23, 0), utc(2026, 6, 2, 1, 0))
    assert not is_active(late, utc(2026, 6, 2, 1, 0))
    assert not is_active(late, utc(2026, 6, 1, 0, 30))  # Monday 00:30: Sunday had none


def test_a_sunday_night_window_runs_into_monday() -> None:
    assert is_active(weekly((SUN,), "23:30", 60), utc(2026, 6, 8, 0, 15))  # Monday


def test_the_time_zone_decides_the_day_and_the_hour() -> None:
    # Saturday 01:00 in Tokyo is Friday 16:00 UTC.
    tokyo = weekly((SAT,), "01:00", 30, "Asia/Tokyo")
    assert is_active(tokyo, utc(2026, 6, 5, 16, 10))
    assert not is_active(tokyo, utc(2026, 6, 6, 1, 10))


def test_a_recurring_window_keeps_its_wall_clock_time_across_the_spring_change() -> None:
    morning = weekly(tuple(range(7)), "09:00", 30, BERLIN)
    assert is_active(morning, utc(2026, 3, 28, 8, 15))  # 09:15 CET (+01:00)
    assert not is_active(morning, utc(2026, 3, 29, 8, 15))  # 10:15 CEST
    assert is_active(morning, utc(2026, 3, 29, 7, 15))  # 09:15 CEST (+02:00)


def test_a_window_over_the_spring_gap_lasts_its_minutes_of_real_time() -> None:
    night = weekly((SUN,), "01:00", 180, BERLIN)
    occurrence = current_occurrence(night, utc(2026, 3, 29, 2, 30))
    # 01:00 CET is 00:00 UTC; three real hours later the wall clock reads 05:00 CEST.
    assert occurrence == Occurrence(utc(2026, 3, 29, 0, 0), utc(2026, 3, 29, 3, 0))


def test_a_start_time_skipped_by_the_spring_change_starts_after_the_gap() -> None:
    skipped = weekly((SUN,), "02:30", 60, BERLIN)
    # 02:30 does not exist that night: it starts at 03:30 CEST (01:30 UTC).
    assert current_occurrence(skipped, utc(2026, 3, 29, 1, 45)) == Occurrence(
        utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2, 30)
    )
    assert not is_active(skipped, utc(2026, 3, 29, 1, 15))


def test_a_start_time_repeated_by_the_autumn_change_starts_at_its_first_instance() -> None:
    repeated = weekly((SUN,), "02:30", 60, BERLIN)
    # 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET): the first counts.
    assert current_occurrence(repeated, utc(2026, 10, 25, 0, 45)) == Occurrence(
        utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)
    )
    assert not is_active(repeated, utc(2026, 10, 25, 1, 45))


def test_overlapping_occurrences_merge_into_one_stretch() -> None:
    # Every day for 36 hours: always on, one occurrence around now, never an end nearby.
    always = weekly(tuple(range(7)), "00:00", 36 * 60)
    now = utc(2026, 6, 3, 12, 0)
    occurrence = current_occurrence(always, now)
    assert occurrence is not None
    assert occurrence.start < now - timedelta(days=6) and occurrence.end > now + timedelta(days=6)


@pytest.mark.parametrize(
    ("schedule", "problems"),
    [
        (Schedule(), [("body", "give starts_at and ends_at")]),
        (
            Schedule(starts_at=utc(2026, 1, 1), weekdays=(MON,)),
            [("body", "not both")],
        ),
        (Schedule(starts_at=utc(2026, 1, 1)), [("ends_at", "is required")]),
        (
            Schedule(starts_at=utc(2026, 1, 2), ends_at=utc(2026, 1, 1)),
            [("ends_at", "must be after starts_at")],
        ),
        (
            Schedule(starts_at=utc(2026, 1, 1), ends_at=utc(2026, 1, 1)),
            [("ends_at", "must be after starts_at")],
        ),
        (
            Schedule(start_time="02:00", duration_minutes=60),
            [("weekdays", "at least one day")],
        ),
        (
            weekly((MON,), "24:00", 60),
            [("start_time", "HH:MM")],
        ),
        (weekly((MON,), "02:00", 0), [("duration_minutes", "1 to 10080")]),
        (weekly((MON,), "02:00", 7 * 24 * 60 + 1), [("duration_minutes", "1 to 10080")]),
        (weekly((MON,), "02:00", 60, "Mars/Olympus"), [("timezone", "not a known time zone")]),
        (Schedule(weekdays=(TUE,)), [("start_time", "required"), ("duration_minutes", "required")]),
    ],
)
def test_schedules_that_cannot_work_are_refused_with_the_field_to_fix(
    schedule: Schedule, problems: list[tuple[str, str]]
) -> None:
    found = schedule_problems(schedule)
    assert [name for name, _ in found] == [name for name, _ in problems]
    for (_, message), (_, expected) in zip(found, problems, strict=True):
        assert expected in message


def test_usable_schedules_have_no_problems() -> None:
    assert schedule_problems(ONE_OFF) == []
    assert schedule_problems(weekly((MON, SUN), "23:59", 7 * 24 * 60, BERLIN)) == []
