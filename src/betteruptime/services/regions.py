"""Regions: which are live (a worker heartbeat in the last LIVE_FOR), their counters, and
how many check jobs wait in each region's queue (read live from the broker)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import WorkerStatus
from betteruptime.db.types import utcnow
from betteruptime.domain.workers import LIVE_FOR
from betteruptime.logs import get_logger, kv
from betteruptime.transport.base import Broker
from betteruptime.transport.queues import jobs_queue

log = get_logger("api")

# A broker that does not answer must not hold the regions page: its backlog reads null.
BACKLOG_TIMEOUT_SECONDS = 2.0


async def live_regions(session: AsyncSession, *, now: datetime | None = None) -> list[str]:
    since = (now or utcnow()) - LIVE_FOR
    rows = await session.scalars(
        select(WorkerStatus.region).where(WorkerStatus.last_seen_at >= since).distinct()
    )
    return sorted(rows.all())


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
    session: AsyncSession, *, broker: Broker | None = None, now: datetime | None = None
) -> list[dict[str, object]]:
    """Per region: live workers, checks and misses counted by the workers seen, and the
    backlog of jobs waiting for them (from `broker`; None without one)."""
    since = (now or utcnow()) - LIVE_FOR
    live = func.count().filter(WorkerStatus.last_seen_at >= since)
    rows = await session.execute(
        select(
            WorkerStatus.region,
            live,
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
            "checked": int(checked or 0),
            "missed": int(missed or 0),
            "last_seen_at": last_seen,
        }
        for region, alive, checked, missed, last_seen in rows
    ]
    backlogs = await region_backlogs(broker, [str(row["region"]) for row in summary])
    for row in summary:
        row["backlog"] = backlogs[str(row["region"])]
    return summary
