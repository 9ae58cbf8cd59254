"""Heartbeat pings on their monitors' states: the last ping and a run in progress.

The api publishes pings as results (`CheckResult.ping` set) so that this, the ingester,
stays the one place where a monitor's state changes. The scheduler reads
`last_ping_at` to tell when the next ping is due (scheduler/heartbeats.py).

Every update is guarded by time, not by arrival, so a redelivered or reordered ping
never moves `last_ping_at` back nor restarts a run that already ended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from betteruptime.domain.messages import CheckResult
from betteruptime.ingester.rows import DecidedState, DecidingMonitor


def apply_pings(
    results: Sequence[CheckResult], monitors: Mapping[int, tuple[DecidingMonitor, DecidedState]]
) -> list[CheckResult]:
    """Record the pings among `results` on their states; return the results to store.

    A /start is recorded (`run_started_at`) and dropped: it is not a check and must not
    move the state machine. A run's end (success or reported failure) sets
    `last_ping_at` and, when a /start preceded it, carries the run's duration as its
    response time. Probe results and missed-ping failures pass through untouched.
    """
    kept: list[CheckResult] = []
    # In ping order, so a /start and its end that arrive in one batch pair up.
    for result in sorted(results, key=lambda r: r.checked_at):
        entry = monitors.get(result.monitor_id)
        if result.ping is None or entry is None:
            kept.append(result)
        elif result.ping == "start":
            _start_run(entry[1], result)
        else:
            kept.append(_end_run(entry[1], result))
    return kept


def _start_run(state: DecidedState, result: CheckResult) -> None:
    at = result.checked_at
    ended_since = state.last_ping_at is not None and state.last_ping_at >= at
    newer_run = state.run_started_at is not None and state.run_started_at >= at
    if not ended_since and not newer_run:
        state.run_started_at = at


def _end_run(state: DecidedState, result: CheckResult) -> CheckResult:
    at = result.checked_at
    if state.last_ping_at is None or at > state.last_ping_at:
        state.last_ping_at = at
    started = state.run_started_at
    if started is None or started > at:
        return result  # no run announced, or one that began after this ping
    state.run_started_at = None
    duration_ms = (at - started).total_seconds() * 1000
    return result.model_copy(update={"response_time_ms": duration_ms})
