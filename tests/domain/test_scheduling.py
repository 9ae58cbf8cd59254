"""Scheduling maths is pure: due times are computed from numbers, with no clock to wait on."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter

import pytest

from betteruptime.domain.scheduling import advance, due_times_between, first_due, phase_offset

NOW = 1_800_000_000.25  # a realistic Unix time, so float rounding is the real one
INTERVALS = [10, 30, 60, 300, 3600, 86400]


def on_grid(due: float, *, monitor_id: int, interval: float) -> bool:
    periods = (due - phase_offset(monitor_id, interval)) / interval
    return math.isclose(periods, round(periods), abs_tol=1e-6)


def random_cases(count: int, seed: int = 7) -> list[tuple[float, int, int]]:
    rng = random.Random(seed)
    return [
        (rng.uniform(1.6e9, 1.9e9), rng.randrange(1, 10**7), rng.choice(INTERVALS))
        for _ in range(count)
    ]


# --- phases -------------------------------------------------------------------------


@pytest.mark.parametrize("interval", INTERVALS)
def test_the_phase_lies_within_the_interval(interval: int) -> None:
    phases = [phase_offset(monitor_id, interval) for monitor_id in range(10_000)]

    assert all(0 <= phase < interval for phase in phases)


def test_the_phase_of_a_monitor_is_the_same_on_every_call() -> None:
    assert phase_offset(4242, 60) == phase_offset(4242, 60)


@pytest.mark.parametrize("first_id", [1, 500_000])
def test_phases_of_ten_thousand_consecutive_ids_are_spread_over_the_interval(
    first_id: int,
) -> None:
    ids = range(first_id, first_id + 10_000)

    per_second = Counter(int(phase_offset(monitor_id, 60)) for monitor_id in ids)

    average = 10_000 / 60  # about 167 a second
    assert set(per_second) == set(range(60))
    assert max(per_second.values()) <= 2 * average
    assert min(per_second.values()) >= average / 2


def test_phases_of_a_few_consecutive_ids_do_not_bunch_up() -> None:
    phases = sorted(phase_offset(monitor_id, 60) for monitor_id in range(1, 11))

    gaps = [b - a for a, b in itertools.pairwise(phases)]
    assert min(gaps) > 60 / 10 / 3


# --- first due time -----------------------------------------------------------------


def test_first_due_is_on_the_monitors_grid_at_or_after_now_and_within_one_interval() -> None:
    for now, monitor_id, interval in random_cases(20_000):
        due = first_due(now, monitor_id=monitor_id, interval_seconds=interval)

        assert now <= due < now + interval, (now, monitor_id, interval)
        assert on_grid(due, monitor_id=monitor_id, interval=interval)


def test_a_monitor_whose_grid_point_is_now_is_due_now_not_one_interval_later() -> None:
    for monitor_id in range(1, 2_000):
        now = phase_offset(monitor_id, 60) + 30_000_000 * 60

        assert first_due(now, monitor_id=monitor_id, interval_seconds=60) == now


def test_a_standby_scheduler_starting_later_computes_the_same_grid() -> None:
    """Failover: the grid depends on (id, interval) only, not on when a scheduler started."""
    rng = random.Random(3)
    for monitor_id in range(1, 500):
        started = NOW + rng.uniform(0, 600)
        taken_over = started + rng.uniform(0, 86_400)

        first = first_due(started, monitor_id=monitor_id, interval_seconds=60)
        again = first_due(started, monitor_id=monitor_id, interval_seconds=60)
        standby = first_due(taken_over, monitor_id=monitor_id, interval_seconds=60)

        assert again == first
        periods = (standby - first) / 60
        assert periods == pytest.approx(round(periods), abs=1e-6)


def test_monitors_with_different_intervals_have_their_own_grids() -> None:
    due_60 = first_due(NOW, monitor_id=9, interval_seconds=60)
    due_300 = first_due(NOW, monitor_id=9, interval_seconds=300)

    assert on_grid(due_60, monitor_id=9, interval=60)
    assert on_grid(due_300, monitor_id=9, interval=300)
    assert due_60 != due_300


# --- advancing ----------------------------------------------------------------------


@pytest.mark.parametrize("interval", [30, 60, 300])
def test_advancing_is_drift_free_even_when_each_call_is_a_little_late(interval: int) -> None:
    rng = random.Random(interval)
    first = first_due(NOW, monitor_id=77, interval_seconds=interval)
    due = first

    for n in range(1, 1_001):
        now = due + rng.uniform(0, 0.9 * interval)  # late, but by less than an interval
        due, skipped = advance(due, interval, now)

        assert due == first + n * interval
        assert skipped == 0


def test_the_next_due_time_is_one_interval_after_the_previous_not_after_now() -> None:
    assert advance(1_000.0, 60, 1_000.7) == (1_060.0, 0)


def test_a_call_late_by_more_than_one_interval_catches_up_on_the_latest_grid_point() -> None:
    # 61 s late: the next grid point (1060) is already past; it is the latest one <= now.
    assert advance(1_000.0, 60, 1_061.0) == (1_060.0, 0)


@pytest.mark.parametrize("stall", [121.0, 150.0, 179.9, 600.5, 3_600.25, 86_399.0])
def test_a_stall_skips_grid_points_and_lands_on_the_latest_one_not_after_now(
    stall: float,
) -> None:
    previous, interval = 1_000.0, 60
    now = previous + stall

    due, skipped = advance(previous, interval, now)

    assert now - interval < due <= now
    assert (due - previous) % interval == 0
    assert skipped == (due - previous) / interval - 1  # the grid points in between


@pytest.mark.parametrize("intervals", [2, 3, 10])
def test_a_stall_of_a_whole_number_of_intervals_lands_on_now(intervals: int) -> None:
    """Exactly on a grid point: that point is the latest one <= now, the ones before it are
    skipped, not fired one interval late."""
    previous, interval = 1_000.0, 60

    assert advance(previous, interval, previous + intervals * interval) == (
        previous + intervals * interval,
        intervals - 1,
    )


def test_after_a_stall_the_grid_is_kept() -> None:
    first = first_due(NOW, monitor_id=5, interval_seconds=60)

    due, skipped = advance(first, 60, first + 60 * 7 + 13.5)

    assert skipped == 6
    assert due == first + 60 * 7
    assert on_grid(due, monitor_id=5, interval=60)


@pytest.mark.parametrize("interval", [1, 10, 60, 3600])
def test_due_times_between_counts_the_grid_points_in_a_gap(interval: int) -> None:
    start = 1_800_000_000.123
    first = first_due(start, monitor_id=7, interval_seconds=interval)
    end = first + 5 * interval  # first and the four after it are in [start, end)

    assert due_times_between(start, end, monitor_id=7, interval_seconds=interval) == 5
    assert due_times_between(start, first, monitor_id=7, interval_seconds=interval) == 0
    assert due_times_between(end, start, monitor_id=7, interval_seconds=interval) == 0
    # Just after a grid point that was published: that point is not counted again.
    after = first + 1e-6
    assert due_times_between(after, end, monitor_id=7, interval_seconds=interval) == 4
