"""Multi-region confirmation: when does a due time count as failing? Pure, no I/O.

A due time fails only when at least `min_failed` regions report a failure (by default a
majority of the monitor's regions), so one region's network trouble does not raise an
alarm. The requirement is capped at the number of regions that reported at all: a region
whose workers are all gone must not make a real outage undetectable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RegionReport:
    region: str
    up: bool
    error: str | None = None
    # Only read to tell degraded from up (domain/degraded.py), never for up or down.
    response_time_ms: float | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    up: bool
    failing_regions: tuple[str, ...]
    cause: str | None


def default_min_failed(region_count: int) -> int:
    return region_count // 2 + 1


def judge(reports: Sequence[RegionReport], *, region_count: int, min_failed: int | None) -> Verdict:
    """Combine one due time's reports from its regions into one outcome."""
    required = min_failed if min_failed is not None else default_min_failed(region_count)
    required = max(1, min(required, len(reports)))
    failing = sorted((r for r in reports if not r.up), key=lambda r: r.region)
    if len(failing) < required:
        return Verdict(True, tuple(r.region for r in failing), None)
    if region_count <= 1 and len(failing) == 1:
        cause = failing[0].error
    else:
        cause = "; ".join(f"{r.region}: {r.error or 'failed'}" for r in failing)
    return Verdict(False, tuple(r.region for r in failing), cause)
