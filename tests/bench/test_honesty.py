"""The bench's honesty rules (bench/honesty.py): window accounting and steadiness."""

from __future__ import annotations

from bench.honesty import (
    BACKLOG_SECONDS,
    IN_FLIGHT_S,
    counted_span,
    due_in_span,
    thirds_p99,
    unsteady_reasons,
    verdict,
)

from betteruptime.domain.scheduling import phase_offset


def test_the_counted_span_stops_before_the_window_ends_by_what_may_still_be_in_flight() -> None:
    assert counted_span(1000.0, 1060.0) == (1000.0, 1060.0 - IN_FLIGHT_S)
    assert counted_span(1000.0, 1001.0) == (1000.0, 1000.0)


def test_due_checks_are_counted_exactly_from_the_scheduling_grid() -> None:
    # One interval holds each monitor's due time exactly once, whatever its phase.
    assert due_in_span(range(1, 1001), 60, 6000.0, 6060.0) == 1000
    assert due_in_span(range(1, 1001), 60, 6000.0, 6180.0) == 3000
    # Half an interval holds the monitors whose phase falls in that half.
    in_half = sum(1 for number in range(1, 1001) if phase_offset(number, 60) < 30)
    assert due_in_span(range(1, 1001), 60, 6000.0, 6030.0) == in_half
    assert due_in_span([1], 60, 6000.0, 6000.0) == 0


def test_a_check_stored_after_the_window_does_not_count_as_sustained() -> None:
    # What the bench does: stored-by-the-end against due-in-the-span; the difference is
    # the backlog, and more than a second of due checks of it makes the run not met.
    due_per_s = 1667.0
    due = 298 * due_per_s
    stored_by_end = due - 53_000  # a backlog the ingester would only clear afterwards
    reasons = unsteady_reasons(
        first_p99_ms=200,
        last_p99_ms=300,
        backlog_checks=int(due - stored_by_end),
        due_per_s=due_per_s,
    )
    assert len(reasons) == 1 and "53,000 due checks not stored" in reasons[0]
    assert verdict(reasons).startswith("NOT MET: ")


def test_a_backlog_under_a_second_of_due_checks_is_steady() -> None:
    limit = int(BACKLOG_SECONDS * 1667)
    assert (
        unsteady_reasons(first_p99_ms=300, last_p99_ms=280, backlog_checks=limit, due_per_s=1667)
        == []
    )
    assert verdict([]) == "steady"
    assert unsteady_reasons(
        first_p99_ms=300, last_p99_ms=280, backlog_checks=limit + 1, due_per_s=1667
    )


def test_lag_that_grows_across_the_window_is_not_met() -> None:
    # The Intel run of the issue: 7 s → 30 s across the window.
    reasons = unsteady_reasons(
        first_p99_ms=7000, last_p99_ms=30000, backlog_checks=0, due_per_s=1667
    )
    assert reasons == ["lag p99 grew 7,000 → 30,000 ms (first → last third of the window)"]


def test_small_or_shrinking_lag_is_not_growth() -> None:
    assert not unsteady_reasons(first_p99_ms=20, last_p99_ms=60, backlog_checks=0, due_per_s=1)
    assert not unsteady_reasons(first_p99_ms=900, last_p99_ms=400, backlog_checks=0, due_per_s=1)
    assert not unsteady_reasons(first_p99_ms=300, last_p99_ms=600, backlog_checks=0, due_per_s=1)
    assert unsteady_reasons(first_p99_ms=100, last_p99_ms=260, backlog_checks=0, due_per_s=1)


def test_thirds_take_the_p99_of_the_checks_due_in_the_first_and_last_thirds() -> None:
    lags = [(float(second), 100.0) for second in range(0, 20)]
    lags += [(float(second), 100.0 * second) for second in range(20, 40)]
    lags += [(float(second), 5000.0) for second in range(40, 60)]
    lags.append((60.0, 99999.0))  # due after the window: not in it
    assert thirds_p99(lags, 60.0) == (100.0, 5000.0)
    assert thirds_p99([], 60.0) == (0.0, 0.0)
