"""Regions: which are live (a worker heartbeat in the last LIVE_FOR), their counters, how
many check jobs wait in each region's queue (read live from the broker), and which
regions monitors are checked from, live or not."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import Monitor, WorkerStatus
from betteruptime.db.types import utcnow
from betteruptime.domain.workers import BROWSER_KINDS, LIVE_FOR, LiveRegions
from betteruptime.logs import get_logger, kv
from betteruptime.transport.base import Broker
from betteruptime.transport.queues import jobs_queue

log = get_logger("api")

# A broker that does not answer must not hold the regions page: its backlog reads null.
BACKLOG_TIMEOUT_SECONDS = 2.0
# The monitors workers check: active ones that are probed (a heartbeat is pinged by what
# it watches, never probed).
PROBED = (Monitor.paused.is_(False), Monitor.kind != "heartbeat")


async def live_regions(session: AsyncSession, *, now: datetime | None = None) -> list[str]:
    since = (now or utcnow()) - LIVE_FOR
    rows = await session.scalars(
        select(WorkerStatus.region).where(WorkerStatus.last_seen_at >= since).distinct()
    )
    return sorted(rows.all())


async def live_workers(session: AsyncSession, *, now: datetime | None = None) -> LiveRegions:
    """The regions with a live worker, and those with a live browser worker."""
    since = (now or utcnow()) - LIVE_FOR
    rows = await session.execute(
        select(WorkerStatus.region, WorkerStatus.browser)
        .where(WorkerStatus.last_seen_at >= since)
        .distinct()
    )
    pairs = rows.all()
    return LiveRegions(
        any=frozenset(region for region, _ in pairs),
        browser=frozenset(region for region, browser in pairs if browser),
    )


async def monitored_regions(
    session: AsyncSession, *, organization_id: int | None = None, browser: bool = False
) -> Counter[str]:
    """How many active probed monitors (of `organization_id`, or everyone's; with
    `browser`, only browser checks) each region checks.

    Grouped by the regions list as stored, so the database returns one row per distinct
    list (a handful), not one per monitor."""
    regions = cast(Monitor.regions, Text)
    statement = select(regions, func.count()).where(*PROBED).group_by(regions)
    if organization_id is not None:
        statement = statement.where(Monitor.organization_id == organization_id)
    if browser:
        statement = statement.where(Monitor.kind.in_(BROWSER_KINDS))
    counts: Counter[str] = Counter()
    for stored, count in await session.execute(statement):
        for region in json.loads(stored or "[]") or ["default"]:
            counts[region] += int(count)
    return counts


async def region_backlogs(
    broker: Broker | None,
    regions: Iterable[str],
    *,
    within_seconds: float = BACKLOG_TIMEOUT_SECONDS,
) -> dict[str, int | None]:
    """Messages waiting in each region's job queue; None where it cannot be known (no
    broker in this process, or the broker failed or was slow to answer).

    A message is a batch of jobs (JobQueue): brokers count messages, not their items.
    The scheduler publishes one per region per tick, so it tracks the jobs closely."""
    names = list(regions)
    if broker is None or not names:
        return dict.fromkeys(names)
    try:
        depths = await asyncio.wait_for(
            asyncio.gather(*(broker.queue_depth(jobs_queue(name)) for name in names)),
            within_seconds,
        )
    except Exception as error:  # TransportError or timeout: unknown, not a failed page
        log.warning(kv(event="backlog_unavailable", error=type(error).__name__))
        return dict.fromkeys(names)
    return dict(zip(names, depths, strict=True))


async def region_summary(
    session: AsyncSession,
    *,
    organization_id: int,
    broker: Broker | None = None,
    now: datetime | None = None,
) -> list[dict[str, object]]:
    """Per region, every region a worker was seen in or a monitor of the organization
    `organization_id` is checked from: live workers, checks and misses counted by the
    workers seen, the organization's active monitors checked from it, and the backlog of
    jobs waiting for them (from `broker`; None without one). A region with monitors and
    no worker is listed with `live_workers` 0: its monitors are never checked."""
    since = (now or utcnow()) - LIVE_FOR
    live = func.count().filter(WorkerStatus.last_seen_at >= since)
    live_browser = func.count().filter(
        WorkerStatus.last_seen_at >= since, WorkerStatus.browser.is_(True)
    )
    rows = await session.execute(
        select(
            WorkerStatus.region,
            live,
            live_browser,
            func.sum(WorkerStatus.checked_total),
            func.sum(WorkerStatus.missed_total),
            func.max(WorkerStatus.last_seen_at),
        )
        .group_by(WorkerStatus.region)
        .order_by(WorkerStatus.region)
    )
    summary: list[dict[str, object]] = [
        {
            "region": region,
            "live_workers": int(alive or 0),
            "live_browser_workers": int(alive_browser or 0),
            "checked": int(checked or 0),
            "missed": int(missed or 0),
            "last_seen_at": last_seen,
        }
        for region, alive, alive_browser, checked, missed, last_seen in rows
    ]
    monitors = await monitored_regions(session, organization_id=organization_id)
    browser = await monitored_regions(session, organization_id=organization_id, browser=True)
    seen = {str(row["region"]) for row in summary}
    summary += [
        {
            "region": region,
            "live_workers": 0,
            "live_browser_workers": 0,
            "checked": 0,
            "missed": 0,
            "last_seen_at": None,
        }
        for region in monitors.keys() - seen
    ]
    summary.sort(key=lambda row: str(row["region"]))
    for row in summary:
        row["monitors"] = monitors[str(row["region"])]
        row["browser_monitors"] = browser[str(row["region"])]
    backlogs = await region_backlogs(broker, [str(row["region"]) for row in summary])
    for row in summary:
        row["backlog"] = backlogs[str(row["region"])]
    return summary
