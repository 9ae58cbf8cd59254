"""Attempt limits for sign-in and sign-up: at most `limit` attempts per key in any
`window` seconds, answered with how long to wait.

Kept in the api process's memory: cheap, and enough to stop password guessing against
one process. Several api processes each keep their own counts, so the effective limit
is that many times higher (documented; a shared store is the fault-tolerance issue's).
Pure apart from the dict it owns; the clock is passed in.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

# Forget keys unseen for this long, so memory stays bounded under a spray of addresses.
SWEEP_EVERY = 1000


@dataclass
class Throttle:
    limit: int
    window_seconds: float
    _hits: dict[str, deque[float]] = field(default_factory=dict)
    _calls: int = 0

    def hit(self, key: str, now: float) -> float | None:
        """Count an attempt by `key`; None if allowed, else the seconds until one is."""
        self._calls += 1
        if self._calls % SWEEP_EVERY == 0:
            self._sweep(now)
        times = self._hits.setdefault(key, deque())
        while times and times[0] <= now - self.window_seconds:
            times.popleft()
        if len(times) >= self.limit:
            return times[0] + self.window_seconds - now
        times.append(now)
        return None

    def reset(self, key: str) -> None:
        """Forget a key's attempts (after a successful sign-in, for the account)."""
        self._hits.pop(key, None)

    def _sweep(self, now: float) -> None:
        stale = [
            key
            for key, times in self._hits.items()
            if not times or times[-1] <= now - self.window_seconds
        ]
        for key in stale:
            del self._hits[key]
