"""Rollup maths: mergeable per-bucket aggregates and percentiles from histograms.

A rollup row keeps count, failures, response-time sum/min/max and a sparse histogram of
response times on fixed log-spaced buckets (each 20 % wider than the last). Histograms
add up, so a 90-day p99 comes from 90 day rows, never from raw checks; the estimate is
within one bucket (at most 20 % off the true value) and clamped to the seen min/max.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

Resolution = Literal["minute", "hour", "day"]
RESOLUTIONS: tuple[Resolution, ...] = ("minute", "hour", "day")
BUCKET_LENGTH: dict[Resolution, timedelta] = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
}

BUCKET_RATIO = 1.2
_LOG_RATIO = math.log(BUCKET_RATIO)
# Bucket 0 holds everything under 1 ms; bucket i (i >= 1) holds [1.2**(i-1), 1.2**i) ms.
MAX_BUCKET = 101  # 1.2**101 ms is about 25 hours: nothing a probe measures goes past it.


def bucket_index(ms: float) -> int:
    if ms < 1.0:
        return 0
    index = min(MAX_BUCKET, int(math.log(ms) / _LOG_RATIO) + 1)
    # The logarithm can land a hair on the wrong side of a boundary: step to the bucket
    # whose [low, high) really holds `ms`, so boundaries fall where bucket_bounds says.
    while index < MAX_BUCKET and ms >= bucket_bounds(index)[1]:
        index += 1
    while index > 1 and ms < bucket_bounds(index)[0]:
        index -= 1
    return index


def bucket_bounds(index: int) -> tuple[float, float]:
    if index == 0:
        return 0.0, 1.0
    return BUCKET_RATIO ** (index - 1), BUCKET_RATIO**index


def encode_histogram(histogram: dict[int, int]) -> str:
    """Sparse text form `index:count,...`, compact and dialect-neutral."""
    return ",".join(f"{index}:{count}" for index, count in sorted(histogram.items()) if count)


def decode_histogram(text: str) -> dict[int, int]:
    if not text:
        return {}
    histogram: dict[int, int] = {}
    for part in text.split(","):
        index, _, count = part.partition(":")
        histogram[int(index)] = histogram.get(int(index), 0) + int(count)
    return histogram


def percentile(
    histogram: dict[int, int], q: float, *, rt_min: float | None, rt_max: float | None
) -> float | None:
    """Estimate the q-th percentile (0-100) by interpolating inside the bucket it falls in."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = q / 100 * total
    seen = 0
    for index in sorted(histogram):
        count = histogram[index]
        if seen + count >= rank:
            low, high = bucket_bounds(index)
            fraction = (rank - seen) / count if count else 0.0
            estimate = low + (high - low) * fraction
            if rt_min is not None:
                estimate = max(estimate, rt_min)
            if rt_max is not None:
                estimate = min(estimate, rt_max)
            return estimate
        seen += count
    return rt_max


def _lowest(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def _highest(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


@dataclass(slots=True)
class Aggregate:
    """What one rollup row holds; add() checks to it, merge() rows of a window together."""

    count: int = 0
    failures: int = 0
    rt_count: int = 0
    rt_sum: float = 0.0
    rt_min: float | None = None
    rt_max: float | None = None
    histogram: dict[int, int] = field(default_factory=dict)

    def add(self, *, up: bool, response_time_ms: float | None, index: int | None = None) -> None:
        """Count one check; `index`: its histogram bucket when the caller found it already."""
        self.count += 1
        if not up:
            self.failures += 1
            # Response times describe successful answers; a timeout's 10 s would swamp them.
            return
        if response_time_ms is None:
            return
        self.rt_count += 1
        self.rt_sum += response_time_ms
        self.rt_min = _lowest(self.rt_min, response_time_ms)
        self.rt_max = _highest(self.rt_max, response_time_ms)
        if index is None:
            index = bucket_index(response_time_ms)
        self.histogram[index] = self.histogram.get(index, 0) + 1

    def merge(self, other: Aggregate) -> None:
        self.count += other.count
        self.failures += other.failures
        self.rt_count += other.rt_count
        self.rt_sum += other.rt_sum
        self.rt_min = _lowest(self.rt_min, other.rt_min)
        self.rt_max = _highest(self.rt_max, other.rt_max)
        for index, count in other.histogram.items():
            self.histogram[index] = self.histogram.get(index, 0) + count

    @property
    def uptime_percent(self) -> float | None:
        if self.count == 0:
            return None
        return 100.0 * (self.count - self.failures) / self.count

    @property
    def rt_avg(self) -> float | None:
        return self.rt_sum / self.rt_count if self.rt_count else None

    def rt_percentile(self, q: float) -> float | None:
        return percentile(self.histogram, q, rt_min=self.rt_min, rt_max=self.rt_max)


def merge_all(aggregates: Iterable[Aggregate]) -> Aggregate:
    total = Aggregate()
    for aggregate in aggregates:
        total.merge(aggregate)
    return total


def bucket_start(moment: datetime, resolution: Resolution) -> datetime:
    """The start of the UTC minute, hour or day that `moment` falls in."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    if resolution == "minute":
        return moment.replace(second=0, microsecond=0)
    if resolution == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class Window:
    """A stats window and the rollup resolution that answers it in few rows."""

    name: str
    length: timedelta
    resolution: Resolution

    def first_bucket(self, now: datetime) -> datetime:
        """The oldest bucket inside the window: whole buckets, the current one included."""
        return bucket_start(now, self.resolution) - self.length + BUCKET_LENGTH[self.resolution]


WINDOWS: dict[str, Window] = {
    "24h": Window("24h", timedelta(hours=24), "hour"),
    "7d": Window("7d", timedelta(days=7), "hour"),
    "30d": Window("30d", timedelta(days=30), "day"),
    "90d": Window("90d", timedelta(days=90), "day"),
}


def aggregate_checks(
    checks: Iterable[tuple[int, datetime, bool, float | None]], resolution: Resolution
) -> dict[tuple[int, datetime], Aggregate]:
    """Group (monitor_id, due_at, up, response_time_ms) rows into per-bucket aggregates.

    Buckets follow the due time, so a redelivered or late result lands in the same bucket
    as it would have on time.
    """
    buckets: dict[tuple[int, datetime], Aggregate] = {}
    for monitor_id, due_at, up, response_time_ms in checks:
        key = (monitor_id, bucket_start(due_at, resolution))
        aggregate = buckets.get(key)
        if aggregate is None:
            aggregate = buckets[key] = Aggregate()
        aggregate.add(up=up, response_time_ms=response_time_ms)
    return buckets


def aggregate_checks_by_resolution(
    checks: Iterable[tuple[int, datetime, bool, float | None]],
) -> dict[Resolution, dict[tuple[int, datetime], Aggregate]]:
    """aggregate_checks for every resolution in one pass: each check's histogram bucket is
    found once, then the check is added to its minute, hour and day in the order
    aggregate_checks adds it (so the sums are the same to the last bit)."""
    found: dict[Resolution, dict[tuple[int, datetime], Aggregate]] = {r: {} for r in RESOLUTIONS}
    for monitor_id, due_at, up, response_time_ms in checks:
        index = bucket_index(response_time_ms) if up and response_time_ms is not None else None
        for resolution in RESOLUTIONS:
            buckets = found[resolution]
            key = (monitor_id, bucket_start(due_at, resolution))
            aggregate = buckets.get(key)
            if aggregate is None:
                aggregate = buckets[key] = Aggregate()
            aggregate.add(up=up, response_time_ms=response_time_ms, index=index)
    return found
