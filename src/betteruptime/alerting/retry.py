"""When a failed delivery is tried again: exponential back-off, then a final failure.

The default makes 6 attempts over 15.5 minutes (after 30 s, 1, 2, 4 and 8 minutes), so a
receiver that is down for ten minutes still gets the message. A receiver that answers
"later" (429 or 503 with Retry-After) gets the next attempt no sooner than it asked, up to
`max_retry_after_seconds`: an alert held longer than that is of little use, and such a
wait still counts towards the attempt limit. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 6
    first_delay_seconds: float = 30.0
    factor: float = 2.0
    max_delay_seconds: float = 3600.0
    # The longest Retry-After honoured; a receiver asking for more waits this long.
    max_retry_after_seconds: float = 900.0

    def delay_after(self, attempt: int, *, retry_after: float | None = None) -> float | None:
        """Seconds to wait after failed attempt number `attempt` (1-based); None when it
        was the last one. `retry_after`: the receiver's Retry-After, in seconds."""
        if attempt >= self.max_attempts:
            return None
        delay = min(self.first_delay_seconds * self.factor ** (attempt - 1), self.max_delay_seconds)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_retry_after_seconds))
        return delay

    def total_span_seconds(self) -> float:
        """From the first attempt to the last, if every one fails."""
        return sum(self.delay_after(n) or 0.0 for n in range(1, self.max_attempts))
