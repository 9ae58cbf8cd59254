"""Degraded: up but slow, refined after the state machine; never a step towards down."""

from __future__ import annotations

from betteruptime.domain.degraded import (
    SpeedDecision,
    judge_speed,
    machine_status,
    typical_response_ms,
)
from betteruptime.domain.quorum import RegionReport
from betteruptime.domain.state_machine import Status


def speed(
    machine: Status = "up",
    *,
    previous: str = "up",
    up: bool = True,
    ms: float | None = 100.0,
    threshold: int | None = 800,
) -> SpeedDecision:
    return judge_speed(
        machine, previous=previous, up=up, response_time_ms=ms, degraded_after_ms=threshold
    )


def test_an_up_check_slower_than_the_threshold_makes_the_monitor_degraded() -> None:
    assert speed(ms=1240.0) == SpeedDecision("degraded", entered=True)


def test_a_check_at_exactly_the_threshold_is_still_up() -> None:
    assert speed(ms=800.0) == SpeedDecision("up")


def test_staying_slow_is_degraded_without_entering_again() -> None:
    assert speed(previous="degraded", ms=1500.0) == SpeedDecision("degraded", entered=False)


def test_a_fast_check_brings_a_degraded_monitor_back_to_up_without_an_event() -> None:
    assert speed(previous="degraded", ms=120.0) == SpeedDecision("up")


def test_without_a_threshold_or_a_measurement_nothing_is_degraded() -> None:
    assert speed(ms=99_999.0, threshold=None) == SpeedDecision("up")
    assert speed(ms=None) == SpeedDecision("up")
    assert speed(previous="degraded", ms=99_999.0, threshold=None) == SpeedDecision("up")


def test_down_pending_and_paused_are_never_refined_into_degraded() -> None:
    for machine in ("down", "pending", "paused"):
        assert speed(machine, ms=5000.0) == SpeedDecision(machine)


def test_an_unconfirmed_failure_keeps_what_was_known() -> None:
    assert speed(previous="degraded", up=False, ms=None) == SpeedDecision("degraded")
    assert speed(previous="up", up=False, ms=None) == SpeedDecision("up")


def test_a_first_slow_check_or_a_slow_recovery_enters_degraded() -> None:
    assert speed(previous="pending", ms=900.0) == SpeedDecision("degraded", entered=True)
    assert speed(previous="down", ms=900.0) == SpeedDecision("degraded", entered=True)


def test_the_state_machine_sees_a_degraded_monitor_as_up() -> None:
    assert machine_status("degraded") == "up"
    assert machine_status("down") == "down"


def test_the_typical_response_time_is_the_median_of_the_regions_that_were_up() -> None:
    reports = [
        RegionReport("eu", True, response_time_ms=100.0),
        RegionReport("us", True, response_time_ms=2000.0),
        RegionReport("ap", True, response_time_ms=300.0),
        RegionReport("sa", False, "timeout", response_time_ms=9000.0),
    ]
    assert typical_response_ms(reports) == 300.0
    assert typical_response_ms([RegionReport("eu", False, "refused")]) is None
    assert typical_response_ms([RegionReport("eu", True)]) is None
