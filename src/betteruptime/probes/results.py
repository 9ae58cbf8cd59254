"""Helpers every probe uses to turn what it saw into a CheckResult.

Kept apart from the probes so that each kind's result reads the same way: the same
fields filled, failures and bugs turned into results in one place. How findings are
judged and worded is in `domain.verdicts`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from betteruptime.domain.messages import CheckJob, CheckResult, Timings
from betteruptime.domain.targets import TargetError


def make_result(
    job: CheckJob,
    checked_at: datetime,
    *,
    up: bool = False,
    response_time_ms: float | None = None,
    status_code: int | None = None,
    error: str | None = None,
    timings: Timings | None = None,
) -> CheckResult:
    """The result of `job`: identity fields from the job, the rest as given."""
    return CheckResult(
        monitor_id=job.spec.monitor_id,
        region=job.region,
        due_at=job.due_at,
        checked_at=checked_at,
        up=up,
        response_time_ms=response_time_ms,
        status_code=status_code,
        error=error,
        timings=timings or Timings(),
    )


def ms_between(start: float | None, end: float | None) -> float | None:
    """Milliseconds between two perf_counter marks, or None when either is missing."""
    if start is None or end is None:
        return None
    return round((end - start) * 1000, 3)


class CheckFailed(Exception):
    """A check failed for a reason already worded for the user."""


async def guarded(
    job: CheckJob,
    check: Callable[[datetime], Awaitable[CheckResult]],
    *,
    timings: Callable[[], Timings] | None = None,
    redact: Callable[[str], str] | None = None,
) -> CheckResult:
    """The result of `check` (called with the check's start time), or a down result when
    it raises: CheckFailed and TargetError (a URL the probe cannot check) with their own
    words, any other exception as an internal probe error (`redact` hides what the text
    must not show). Only cancellation propagates.

    This is what makes every probe keep the :class:`~betteruptime.probes.base.Probe`
    promise: a bug in a probe becomes a result, not a dead worker. `timings` gives what
    was measured until the failure.
    """
    checked_at = datetime.now(UTC)
    try:
        return await check(checked_at)
    except (CheckFailed, TargetError) as failed:
        error = str(failed)
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"
        error = f"internal probe error: {redact(detail) if redact else detail}"
    return make_result(job, checked_at, error=error, timings=timings() if timings else None)


@dataclass
class Stopwatch:
    """Marks (perf_counter seconds) and the current phase of one check; the phase names
    what was going on when a timeout hit."""

    marks: dict[str, float] = field(default_factory=lambda: {"start": time.perf_counter()})
    phase: str = "starting"

    def mark(self, name: str, phase: str | None = None) -> None:
        self.marks.setdefault(name, time.perf_counter())
        if phase is not None:
            self.phase = phase

    def span(self, start: str, end: str) -> float | None:
        return ms_between(self.marks.get(start), self.marks.get(end))

    def timings(self) -> Timings:
        """The phases that happened; the others stay None."""
        return Timings(
            dns_ms=self.span("dns_start", "dns_end"),
            connect_ms=self.span("connect_start", "connect_end"),
            tls_ms=self.span("tls_start", "tls_end"),
            first_byte_ms=self.span("start", "first_byte"),
            total_ms=self.span("start", "done"),
        )
