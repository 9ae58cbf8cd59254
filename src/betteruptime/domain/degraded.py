"""Degraded: up, but slower than the monitor's `degraded_after_ms`. Pure, no I/O.

Degraded is a shade of up, not a step towards down: the state machine (state_machine.py)
sees a degraded monitor as up, so slowness never opens or resolves an incident. This
module only decides, after the machine has spoken, whether "up" should read "degraded",
and whether the monitor just became so (the moment worth a `degraded` event).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from betteruptime.domain.quorum import RegionReport
from betteruptime.domain.state_machine import Status

SLOWER = "degraded"


@dataclass(frozen=True, slots=True)
class SpeedDecision:
    # The status to store and show: the machine's, with "up" refined to "degraded".
    status: str
    # True only on the decision that made the monitor degraded (from any other status).
    entered: bool = False


def machine_status(stored: str) -> Status:
    """What the state machine should be fed: a degraded monitor is up to it."""
    return "up" if stored == SLOWER else stored  # type: ignore[return-value]


def typical_response_ms(reports: Sequence[RegionReport]) -> float | None:
    """One due time's response time across regions: the median of the regions that were
    up, so one slow region among several does not make the monitor degraded (as one
    failing region does not make it down). None when no region measured one."""
    times = [r.response_time_ms for r in reports if r.up and r.response_time_ms is not None]
    return float(median(times)) if times else None


def judge_speed(
    machine: Status,
    *,
    previous: str,
    up: bool,
    response_time_ms: float | None,
    degraded_after_ms: int | None,
) -> SpeedDecision:
    """Refine the state machine's verdict `machine` for one decided due time.

    `previous` is the stored status before this due time (possibly "degraded"), `up` the
    due time's own outcome and `response_time_ms` its typical response time.
    """
    if machine != "up":
        return SpeedDecision(machine)  # down, pending and paused say more than speed
    if not up:
        # A failure not yet confirmed: nothing was measured, so keep what was known.
        return SpeedDecision(SLOWER if previous == SLOWER else "up")
    slow = (
        degraded_after_ms is not None
        and response_time_ms is not None
        and response_time_ms > degraded_after_ms
    )
    if not slow:
        return SpeedDecision("up")
    return SpeedDecision(SLOWER, entered=previous != SLOWER)
