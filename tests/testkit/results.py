"""Check results as a worker would send them, for the ingester's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from betteruptime.domain.messages import CheckResult, Timings

T0 = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)


def result(
    monitor_id: int, second: int, *, up: bool, ms: float | None = 50.0, region: str = "default"
) -> CheckResult:
    due = T0 + timedelta(seconds=second)
    return CheckResult(
        monitor_id=monitor_id,
        region=region,
        due_at=due,
        checked_at=due + timedelta(milliseconds=5),
        up=up,
        response_time_ms=ms if up else None,
        status_code=200 if up else None,
        error=None if up else "connection refused by 127.0.0.1:9",
        timings=Timings(dns_ms=1.0, connect_ms=2.0, first_byte_ms=ms, total_ms=ms),
    )
