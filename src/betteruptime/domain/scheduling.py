"""Scheduling maths: drift-free due times on a per-monitor phase grid. Pure, no I/O.

Each monitor's due times are `phase + k * interval` on the Unix clock. The phase comes from
the monitor id through the golden-ratio sequence, which spreads consecutive ids evenly over
the interval, so 10,000 monitors created together with a 60 s interval fire about 167 per
second instead of 10,000 at :00. Because the grid is a function of (id, interval) alone, a
restarted or standby scheduler computes the very same due times.
"""

from __future__ import annotations

import math

_GOLDEN = (math.sqrt(5) - 1) / 2  # 0.618…: successive multiples are maximally spread mod 1


def phase_offset(monitor_id: int, interval_seconds: float) -> float:
    """Where in each interval this monitor fires, in [0, interval)."""
    return math.fmod(monitor_id * _GOLDEN, 1.0) * interval_seconds


def first_due(now: float, *, monitor_id: int, interval_seconds: float) -> float:
    """The first grid point at or after `now`."""
    phase = phase_offset(monitor_id, interval_seconds)
    periods = math.ceil((now - phase) / interval_seconds)
    return phase + periods * interval_seconds


def advance(previous_due: float, interval_seconds: float, now: float) -> tuple[float, int]:
    """The due time after `previous_due`, and how many grid points were skipped.

    Drift-free: next = previous + interval, never now + interval. When the scheduler was
    stalled for more than a whole interval (suspended host, long GC), the due times in
    between are skipped and reported, not fired in a burst of late checks.
    """
    following = previous_due + interval_seconds
    if following > now - interval_seconds:
        return following, 0
    skipped = math.floor((now - following) / interval_seconds)
    return following + skipped * interval_seconds, skipped


def due_times_between(start: float, end: float, *, monitor_id: int, interval_seconds: float) -> int:
    """How many of the monitor's grid points fall in [start, end): the due times a
    scheduler that resumes at `end` never published when the last one stopped at `start`."""
    if end <= start:
        return 0
    span = first_due(end, monitor_id=monitor_id, interval_seconds=interval_seconds) - first_due(
        start, monitor_id=monitor_id, interval_seconds=interval_seconds
    )
    return round(span / interval_seconds)
