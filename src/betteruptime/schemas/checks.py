"""Check results and the statistics computed from their rollups."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from betteruptime.db.models import Check
from betteruptime.domain.messages import Timings
from betteruptime.domain.rollups import Aggregate

StatsWindow = Literal["24h", "7d", "30d", "90d"]


class CheckPublic(BaseModel):
    due_at: datetime = Field(description="When the check was scheduled; lists filter on it.")
    checked_at: datetime
    region: str
    up: bool
    response_time_ms: float | None
    status_code: int | None
    error: str | None
    timings: Timings
    details: dict[str, Any] | None = Field(
        default=None,
        description="What a check of several parts found: each step of a multi-step or "
        "browser check, a domain's expiry. null for one-request checks.",
    )

    @classmethod
    def from_row(cls, check: Check) -> CheckPublic:
        return cls(
            due_at=check.due_at,
            checked_at=check.checked_at,
            region=check.region,
            up=check.up,
            response_time_ms=check.response_time_ms,
            status_code=check.status_code,
            error=check.error,
            timings=Timings(
                dns_ms=check.dns_ms,
                connect_ms=check.connect_ms,
                tls_ms=check.tls_ms,
                first_byte_ms=check.first_byte_ms,
                total_ms=check.response_time_ms,
            ),
            details=check.details,
        )


class ResponseTimeStats(BaseModel):
    """Over successful checks; percentiles are histogram estimates within about ±10 %."""

    avg: float | None
    p50: float | None
    p95: float | None
    p99: float | None


class StatsPublic(BaseModel):
    window: StatsWindow
    uptime_percent: float | None = Field(description="null when the window has no checks.")
    checks: int
    failures: int
    response_time_ms: ResponseTimeStats

    @classmethod
    def from_aggregate(cls, window: StatsWindow, aggregate: Aggregate) -> StatsPublic:
        return cls(
            window=window,
            uptime_percent=aggregate.uptime_percent,
            checks=aggregate.count,
            failures=aggregate.failures,
            response_time_ms=ResponseTimeStats(
                avg=aggregate.rt_avg,
                p50=aggregate.rt_percentile(50),
                p95=aggregate.rt_percentile(95),
                p99=aggregate.rt_percentile(99),
            ),
        )
