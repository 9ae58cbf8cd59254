"""What makes a throughput figure honest, in pure functions (tests/bench tests them).

- **Window accounting.** "Sustained" counts only checks due inside the window AND stored
  inside it: the count is taken at the window's end, never after letting a backlog drain.
  Checks due in the window's last `IN_FLIGHT_S` seconds cannot be stored by its end even
  on an idle machine (probe, result batch, ingest batch), so the counted span stops that
  much before the end; what was due in it is computed exactly from the scheduler's grid
  (domain/scheduling.py), not estimated.
- **Steadiness.** A run whose lag or backlog grows across the window is not met, whatever
  else it prints: it would fall further behind the longer it ran.
  * lag grows: the lag p99 of the checks due in the window's last third is above
    `LAG_GROWTH_FACTOR` times that of its first third, and above `LAG_GROWTH_FLOOR_MS`
    (so 20 ms → 50 ms is noise, not growth);
  * backlog: more than `BACKLOG_SECONDS` seconds' worth of the due checks of the counted
    span are not stored by the window's end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from betteruptime.domain.scheduling import due_times_between

IN_FLIGHT_S = 2.0
LAG_GROWTH_FACTOR = 2.0
LAG_GROWTH_FLOOR_MS = 250.0
BACKLOG_SECONDS = 1.0


def counted_span(since: float, until: float) -> tuple[float, float]:
    """The due times whose checks must be stored by `until`: [since, until - IN_FLIGHT_S)."""
    return since, max(since, until - IN_FLIGHT_S)


def due_in_span(monitor_ids: Iterable[int], interval: float, start: float, end: float) -> int:
    """How many checks the scheduler's grid makes due in [start, end) for these monitors."""
    return sum(
        due_times_between(start, end, monitor_id=monitor_id, interval_seconds=interval)
        for monitor_id in monitor_ids
    )


def p99(values: Sequence[float]) -> float:
    """The 99th percentile of `values` (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def thirds_p99(lags: Sequence[tuple[float, float]], seconds: float) -> tuple[float, float]:
    """Lag p99 (ms) of the checks due in the window's first and last thirds, from
    (seconds since the window's start, lag ms) pairs."""
    first = [lag for offset, lag in lags if 0 <= offset < seconds / 3]
    last = [lag for offset, lag in lags if 2 * seconds / 3 <= offset < seconds]
    return p99(first), p99(last)


def unsteady_reasons(
    *, first_p99_ms: float, last_p99_ms: float, backlog_checks: int, due_per_s: float
) -> list[str]:
    """Why a run is not steady (empty: it is)."""
    reasons = []
    if last_p99_ms > LAG_GROWTH_FLOOR_MS and last_p99_ms > LAG_GROWTH_FACTOR * first_p99_ms:
        reasons.append(
            f"lag p99 grew {first_p99_ms:,.0f} → {last_p99_ms:,.0f} ms "
            f"(first → last third of the window)"
        )
    if backlog_checks > BACKLOG_SECONDS * due_per_s:
        reasons.append(
            f"{backlog_checks:,} due checks not stored by the window's end "
            f"({backlog_checks / max(due_per_s, 1e-9):,.1f} s of due checks)"
        )
    return reasons


def verdict(reasons: Sequence[str]) -> str:
    """'steady', or 'NOT MET: …' with every reason."""
    return "steady" if not reasons else "NOT MET: " + "; ".join(reasons)
