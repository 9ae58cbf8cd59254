"""The monitor page's chart data: response times per bucket for one range, as uPlot columns.

Average, p95 and failures come from rollups, which every range has. Rollups are per
monitor, not per region, and hold no timing breakdown, so the per-region lines and the
DNS/connect/TLS/first-byte averages come from raw checks, in ONE grouped query (by time
bucket and region), and only for ranges whose raw checks are still kept (retention):
the 90-day range from day rollups has the average and p95 alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import ROLLUP_MODELS, Check
from betteruptime.db.types import epoch_bucket
from betteruptime.domain.rollups import BUCKET_LENGTH, WINDOWS, Window, bucket_start
from betteruptime.web.dashboard import read_rollups

CHART_RANGES: dict[str, Window] = {
    "1h": Window("1h", timedelta(hours=1), "minute"),
    **WINDOWS,
}
DEFAULT_RANGE = "24h"
# The timing phases as the checks table names them, and as the chart's JSON does.
PHASES = {"dns": "dns_ms", "connect": "connect_ms", "tls": "tls_ms", "first_byte": "first_byte_ms"}
# Longer ranges would scan tens of thousands of raw checks per region for one chart;
# their answer is the day rollups' average and p95.
RAW_CHECKS_LONGEST = timedelta(days=7)


def has_raw_checks(window: Window, *, retention_days: int) -> bool:
    """Whether the range's raw checks are kept and few enough to read for one chart."""
    longest = min(RAW_CHECKS_LONGEST, timedelta(days=retention_days))
    return window.resolution != "day" and window.length <= longest


def opening_range(*, created_at: datetime, last_checked_at: datetime | None, now: datetime) -> str:
    """The range a monitor's page opens on. A young monitor: the shortest range that
    covers its whole life, so a monitor checked for a minute opens on 1 h, not on 24 h
    with its first minute against the right edge. An older one: 24 h, unless nothing
    was checked in that time (paused for days), then the shortest range that holds its
    latest check."""

    def shortest_covering(moment: datetime) -> str | None:
        for name, window in CHART_RANGES.items():
            if window.first_bucket(now) <= bucket_start(moment, window.resolution):
                return name
        return None

    default = CHART_RANGES[DEFAULT_RANGE]
    young = shortest_covering(created_at)
    if young is not None and CHART_RANGES[young].length <= default.length:
        return young
    if last_checked_at is None or last_checked_at >= default.first_bucket(now):
        return DEFAULT_RANGE
    return shortest_covering(last_checked_at) or DEFAULT_RANGE


def chart_start(window: Window, *, now: datetime, life_start: datetime | None) -> datetime:
    """The first bucket a chart shows: the range's, or for a monitor younger than the
    range the one its life starts in, so its few points spread over the chart instead of
    sitting at its right edge; two buckets at least, so there is a line to draw."""
    first = window.first_bucket(now)
    if life_start is None:
        return first
    step = BUCKET_LENGTH[window.resolution]
    newest_but_one = bucket_start(now, window.resolution) - step
    return max(first, min(bucket_start(life_start, window.resolution), newest_but_one))


async def chart_series(
    session: AsyncSession,
    *,
    monitor_id: int,
    range_name: str,
    now: datetime,
    retention_days: int,
    created_at: datetime | None = None,
) -> dict[str, Any]:
    """uPlot's columns for one range: bucket times (epoch seconds) and, per bucket, the
    average and p95 response time and the failed checks; with raw checks, also the average
    per region (`regions`, only when 2+ regions answered: one region's line would be the
    average again) and per timing phase (`breakdown`). Every bucket of the range is
    present, from the monitor's first (`created_at`, or older data) when it is younger
    than the range; one without data holds nulls, which uPlot draws as a gap."""
    window = CHART_RANGES[range_name]
    step = BUCKET_LENGTH[window.resolution]
    first = window.first_bucket(now)
    found = {
        r.bucket_start: r.to_aggregate()
        for r in await read_rollups(
            session, ROLLUP_MODELS[window.resolution], monitor_id=monitor_id, since=first
        )
    }
    if created_at is not None and created_at > first:
        life_start = await _life_start(
            session, monitor_id=monitor_id, created_at=created_at, since=first, found=found
        )
        first = chart_start(window, now=now, life_start=life_start)
    times: list[int] = []
    avg: list[float | None] = []
    p95: list[float | None] = []
    failures: list[int | None] = []
    moment, last = first, bucket_start(now, window.resolution)
    while moment <= last:
        aggregate = found.get(moment)
        times.append(int(moment.timestamp()))
        avg.append(_rounded(aggregate.rt_avg) if aggregate else None)
        p95.append(_rounded(aggregate.rt_percentile(95)) if aggregate else None)
        failures.append(aggregate.failures if aggregate else None)
        moment += step
    raw = has_raw_checks(window, retention_days=retention_days)
    detail = (
        await _check_averages(session, monitor_id=monitor_id, times=times, step=step)
        if raw
        else _Averages(slots=0)
    )
    return {
        "range": range_name,
        "t": times,
        "avg": avg,
        "p95": p95,
        "failures": failures,
        "raw_checks": raw,
        "regions": detail.region_series() if len(detail.regions) >= 2 else {},
        "breakdown": detail.phase_series() if raw else {},
    }


async def _life_start(
    session: AsyncSession,
    *,
    monitor_id: int,
    created_at: datetime,
    since: datetime,
    found: dict[datetime, Any],
) -> datetime:
    """When the monitor's data begins: its creation, or its oldest rollup or check in
    the range if older (data written for it from elsewhere, as an import would)."""
    oldest_check = await session.scalar(
        select(func.min(Check.due_at)).where(Check.monitor_id == monitor_id, Check.due_at >= since)
    )
    return min([created_at, *found, *([oldest_check] if oldest_check else [])])


@dataclass(slots=True)
class _Sums:
    """Sum and count of a figure: what averages are made of, and what adds across regions."""

    total: float = 0.0
    count: int = 0

    def add(self, total: float | None, count: int | None) -> None:
        self.total += total or 0.0
        self.count += count or 0

    def average(self) -> float | None:
        return _rounded(self.total / self.count) if self.count else None


@dataclass(slots=True)
class _Averages:
    """Per region and per phase, one `_Sums` per bucket of the chart."""

    slots: int
    regions: dict[str, list[_Sums]] = field(default_factory=dict)
    phases: dict[str, list[_Sums]] = field(default_factory=dict)

    def add(self, index: int, region: str, figures: Sequence[Any]) -> None:
        """`figures`: sum and count of the response time, then of each phase in turn."""
        self._series(self.regions, region)[index].add(figures[0], figures[1])
        for position, phase in enumerate(PHASES, start=1):
            sums = self._series(self.phases, phase)[index]
            sums.add(figures[2 * position], figures[2 * position + 1])

    def _series(self, table: dict[str, list[_Sums]], key: str) -> list[_Sums]:
        if key not in table:
            table[key] = [_Sums() for _ in range(self.slots)]
        return table[key]

    def region_series(self) -> dict[str, list[float | None]]:
        return {name: _averages(self.regions[name]) for name in sorted(self.regions)}

    def phase_series(self) -> dict[str, list[float | None]]:
        empty: list[float | None] = [None] * self.slots
        return {
            phase: _averages(self.phases[phase]) if phase in self.phases else empty
            for phase in PHASES
        }


def _averages(series: list[_Sums]) -> list[float | None]:
    return [sums.average() for sums in series]


async def _check_averages(
    session: AsyncSession, *, monitor_id: int, times: list[int], step: timedelta
) -> _Averages:
    """Per bucket and region, sums and counts of the response time and of each phase,
    from successful checks only (as rollups: a timeout's 10 s would swamp the answers).
    The primary key (monitor_id, due_at, region) bounds the scan to the range's rows."""
    seconds = int(step.total_seconds())
    # Buckets follow the due time, like rollups, so both kinds of line share them.
    dialect = session.get_bind().dialect.name
    bucket = epoch_bucket(Check.due_at, seconds, dialect).label("bucket")
    figures: list[Any] = []
    for name in ("response_time_ms", *PHASES.values()):
        column = getattr(Check, name)
        figures += [func.sum(column), func.count(column)]
    statement = (
        select(bucket, Check.region, *figures)
        .where(
            Check.monitor_id == monitor_id,
            Check.due_at >= datetime.fromtimestamp(times[0], UTC),
            Check.up.is_(True),
        )
        .group_by(bucket, Check.region)
    )
    averages = _Averages(slots=len(times))
    offset = times[0] // seconds
    for row in (await session.execute(statement)).all():
        index = int(row[0]) - offset
        # A due time past the newest bucket (a clock ahead of ours) is outside the chart.
        if 0 <= index < averages.slots:
            averages.add(index, row[1], row[2:])
    return averages


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
