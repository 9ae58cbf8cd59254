"""The monitor state machine: pending → up ⇄ down, and paused. Pure, no I/O.

A monitor goes down only after `failure_threshold` consecutive failing outcomes and comes
back up only after `recovery_threshold` consecutive successes, so a single blip neither
opens nor closes an incident. A new monitor is `pending` until its first decision: one
success makes it up (there is no outage to recover from), `failure_threshold` failures
make it down and open an incident like any other outage.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Status = Literal["pending", "up", "down", "paused"]
Transition = Literal["down", "up"]


@dataclass(frozen=True, slots=True)
class MonitorStatus:
    status: Status = "pending"
    consecutive_failures: int = 0
    consecutive_successes: int = 0


@dataclass(frozen=True, slots=True)
class Decision:
    state: MonitorStatus
    # Set only when an incident opens ("down") or resolves ("up").
    transition: Transition | None = None


def apply_outcome(
    state: MonitorStatus, *, up: bool, failure_threshold: int, recovery_threshold: int
) -> Decision:
    """Feed one outcome (already decided across regions) into the machine."""
    if state.status == "paused":
        return Decision(state)
    if up:
        state = replace(
            state, consecutive_successes=state.consecutive_successes + 1, consecutive_failures=0
        )
        if state.status == "pending":
            return Decision(replace(state, status="up"))
        if state.status == "down" and state.consecutive_successes >= recovery_threshold:
            return Decision(replace(state, status="up"), "up")
        return Decision(state)
    state = replace(
        state, consecutive_failures=state.consecutive_failures + 1, consecutive_successes=0
    )
    if state.status != "down" and state.consecutive_failures >= failure_threshold:
        return Decision(replace(state, status="down"), "down")
    return Decision(state)
