"""Multi-region confirmation: which regions a due time waits for, when it counts as
failing, and what stops a monitor from being checked as configured. Pure, no I/O.

A region is *absent* while no worker of it is live (none has sent a heartbeat lately).
A due time waits only for the monitor's regions that are not absent (for all of them when
every one is: there is nothing better to go by), so an absent region costs no delay.

A due time fails when at least `min_failed_regions` regions report a failure, exactly as
the monitor says, when it says: the user asked that many vantage points to agree before
anyone is paged, and an absent region does not lower that bar (a monitor that can no
longer go down because of it says so in its warnings). Without it, a majority of the
regions the due time waited for must fail, capped at those that reported: a region whose
workers went quiet, or that reported too late, must not make a real outage undetectable.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from betteruptime.domain.workers import BROWSER_KINDS


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


def awaited_regions(regions: Sequence[str], *, live: Collection[str]) -> list[str]:
    """The regions a due time waits for: those with a live worker, or all when none has
    (a heartbeat's one pseudo-region has no workers: it is always awaited)."""
    return [region for region in regions if region in live] or list(regions)


def required_failures(*, min_failed: int | None, awaited: int, reported: int) -> int:
    """How many failing regions make a due time fail (see the module's docstring)."""
    if min_failed is not None:
        return min_failed
    return max(1, min(default_min_failed(awaited), reported))


def judge(
    reports: Sequence[RegionReport],
    *,
    region_count: int,
    min_failed: int | None,
    awaited: int | None = None,
) -> Verdict:
    """Combine one due time's reports from its regions into one outcome.

    `region_count`: the monitor's regions; `awaited`: how many of them the due time
    waited for (all of them unless said)."""
    required = required_failures(
        min_failed=min_failed,
        awaited=region_count if awaited is None else awaited,
        reported=len(reports),
    )
    failing = sorted((r for r in reports if not r.up), key=lambda r: r.region)
    if len(failing) < required:
        return Verdict(True, tuple(r.region for r in failing), None)
    if region_count <= 1 and len(failing) == 1:
        cause = failing[0].error
    else:
        cause = "; ".join(f"{r.region}: {r.error or 'failed'}" for r in failing)
    return Verdict(False, tuple(r.region for r in failing), cause)


def region_warnings(
    kind: str, regions: Sequence[str], *, live: Collection[str], min_failed: int | None
) -> list[str]:
    """What stops a monitor from being checked as configured, in words for its owner:
    each of its regions with no live worker (`live`: the regions where a worker that can
    check its kind is alive, LiveRegions.for_kind), and a `min_failed` it can no longer
    reach. None for a heartbeat: it is pinged, not checked from regions."""
    if kind == "heartbeat":
        return []
    regions = regions or ["default"]  # stored without: checked from there (scheduler)
    absent = [region for region in regions if region not in live]
    # A browser check needs a worker started with --browser: `live` holds only those.
    worker = "browser worker" if kind in BROWSER_KINDS else "worker"
    warnings = [f"no live {worker} in {region}" for region in absent]
    present = len(regions) - len(absent)
    if absent and min_failed is not None and present < min_failed:
        warnings.append(
            f"cannot go down: min_failed_regions is {min_failed} and only {present} of its "
            f"regions {'has' if present == 1 else 'have'} a live worker"
        )
    return warnings
