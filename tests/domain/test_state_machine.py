"""The state machine is pure: feed it outcomes, read its decisions. No clock, no database."""

from __future__ import annotations

import random
from collections.abc import Iterable

import pytest

from betteruptime.domain.state_machine import (
    Decision,
    MonitorStatus,
    Transition,
    apply_outcome,
)

OK = True
FAIL = False


def step(
    state: MonitorStatus, up: bool, *, failure_threshold: int = 3, recovery_threshold: int = 2
) -> Decision:
    return apply_outcome(
        state, up=up, failure_threshold=failure_threshold, recovery_threshold=recovery_threshold
    )


def feed(
    outcomes: Iterable[bool],
    state: MonitorStatus | None = None,
    *,
    failure_threshold: int = 3,
    recovery_threshold: int = 2,
) -> tuple[MonitorStatus, list[Transition | None]]:
    """Run outcomes through the machine; the final state and the transition of each step."""
    state = state or MonitorStatus()
    transitions: list[Transition | None] = []
    for up in outcomes:
        decision = step(
            state,
            up,
            failure_threshold=failure_threshold,
            recovery_threshold=recovery_threshold,
        )
        state = decision.state
        transitions.append(decision.transition)
    return state, transitions


def up_state() -> MonitorStatus:
    state, _ = feed([OK])
    return state


def down_state() -> MonitorStatus:
    state, _ = feed([FAIL] * 3)
    return state


# --- pending ------------------------------------------------------------------------


def test_a_new_monitor_is_pending_with_no_counts() -> None:
    assert MonitorStatus() == MonitorStatus("pending", 0, 0)


def test_a_pending_monitor_goes_up_on_its_first_success_without_a_transition() -> None:
    decision = step(MonitorStatus(), OK)

    assert decision.state.status == "up"
    assert decision.transition is None


def test_a_pending_monitor_stays_pending_below_the_failure_threshold() -> None:
    state, transitions = feed([FAIL, FAIL])

    assert state.status == "pending"
    assert state.consecutive_failures == 2
    assert transitions == [None, None]


def test_a_pending_monitor_goes_down_after_the_failure_threshold_and_opens_an_incident() -> None:
    state, transitions = feed([FAIL, FAIL, FAIL])

    assert state.status == "down"
    assert transitions == [None, None, "down"]


def test_a_pending_monitor_with_some_failures_goes_up_on_a_success_without_a_transition() -> None:
    state, transitions = feed([FAIL, FAIL, OK])

    assert state == MonitorStatus("up", consecutive_failures=0, consecutive_successes=1)
    assert transitions == [None, None, None]


# --- up → down ----------------------------------------------------------------------


def test_it_goes_down_only_after_the_failure_threshold() -> None:
    state, transitions = feed([FAIL, FAIL], up_state())
    assert state.status == "up"
    assert transitions == [None, None]

    decision = step(state, FAIL)

    assert decision.state.status == "down"
    assert decision.transition == "down"


@pytest.mark.parametrize("threshold", [1, 2, 5])
def test_it_takes_exactly_failure_threshold_failures_to_go_down(threshold: int) -> None:
    state, transitions = feed([FAIL] * threshold, up_state(), failure_threshold=threshold)

    assert state.status == "down"
    assert transitions == [None] * (threshold - 1) + ["down"]


def test_a_success_resets_the_failure_count() -> None:
    state, transitions = feed([FAIL, FAIL, OK, FAIL, FAIL], up_state())

    assert state.status == "up"
    assert state.consecutive_failures == 2
    assert transitions == [None] * 5


def test_it_does_not_report_down_again_while_already_down() -> None:
    state, transitions = feed([FAIL] * 10, down_state())

    assert state.status == "down"
    assert state.consecutive_failures == 13
    assert transitions == [None] * 10


# --- down → up ----------------------------------------------------------------------


def test_it_comes_back_up_only_after_the_recovery_threshold() -> None:
    decision = step(down_state(), OK)
    assert decision.state.status == "down"
    assert decision.transition is None

    decision = step(decision.state, OK)

    assert decision.state.status == "up"
    assert decision.transition == "up"


@pytest.mark.parametrize("threshold", [1, 2, 5])
def test_it_takes_exactly_recovery_threshold_successes_to_come_back_up(threshold: int) -> None:
    state, transitions = feed([OK] * threshold, down_state(), recovery_threshold=threshold)

    assert state.status == "up"
    assert transitions == [None] * (threshold - 1) + ["up"]


def test_a_failure_resets_the_success_count_while_down() -> None:
    state, transitions = feed([OK, FAIL, OK], down_state())
    assert state.status == "down"
    assert state.consecutive_successes == 1

    state, transitions = feed([OK], state)

    assert state.status == "up"
    assert transitions == ["up"]


def test_it_does_not_report_up_again_while_already_up() -> None:
    state, _ = feed([OK, OK], down_state())

    state, transitions = feed([OK] * 10, state)

    assert state.status == "up"
    assert transitions == [None] * 10


def test_the_success_that_ends_an_outage_resets_the_failure_count() -> None:
    state, _ = feed([OK, OK], down_state())

    assert state == MonitorStatus("up", consecutive_failures=0, consecutive_successes=2)


# --- paused -------------------------------------------------------------------------


@pytest.mark.parametrize("up", [OK, FAIL], ids=["success", "failure"])
@pytest.mark.parametrize("counts", [(0, 0), (2, 0), (0, 7)], ids=["fresh", "failing", "succeeding"])
def test_a_paused_monitor_never_changes(up: bool, counts: tuple[int, int]) -> None:
    paused = MonitorStatus("paused", *counts)

    state, transitions = feed([up] * 20, paused, failure_threshold=1, recovery_threshold=1)

    assert state == paused
    assert transitions == [None] * 20


# --- whole histories ----------------------------------------------------------------


def test_a_flapping_outage_opens_and_resolves_exactly_one_incident() -> None:
    history = [OK, FAIL, OK, FAIL, FAIL, OK, FAIL, FAIL, FAIL, OK, FAIL, OK, OK, FAIL, OK]

    state, transitions = feed(history)

    assert [t for t in transitions if t] == ["down", "up"]
    assert transitions.index("down") == 8
    assert transitions.index("up") == 12
    assert state.status == "up"


@pytest.mark.parametrize("seed", range(20))
def test_transitions_fire_exactly_when_a_run_of_outcomes_reaches_its_threshold(seed: int) -> None:
    """Random histories: "down" when a failure run reaches the failure threshold while not
    down, "up" when a success run reaches the recovery threshold while down, nothing else."""
    rng = random.Random(seed)
    failure_threshold, recovery_threshold = rng.randint(1, 4), rng.randint(1, 4)
    history = [rng.random() < 0.6 for _ in range(300)]

    _, transitions = feed(
        history, failure_threshold=failure_threshold, recovery_threshold=recovery_threshold
    )

    down, run = False, 0
    for i, up in enumerate(history):
        run = run + 1 if i and history[i - 1] == up else 1
        expected: Transition | None = None
        if not up and not down and run == failure_threshold:
            expected, down = "down", True
        elif up and down and run == recovery_threshold:
            expected, down = "up", False
        assert transitions[i] == expected, f"step {i}"
