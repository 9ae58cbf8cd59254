"""Regions: which are live (a worker heartbeat in the last LIVE_FOR), and their counters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import WorkerStatus
from betteruptime.db.types import utcnow
from betteruptime.domain.messages import WorkerHeartbeat

# Workers beat every HEARTBEAT_SECONDS; three missed beats and a worker counts as gone.
HEARTBEAT_SECONDS = 5.0
LIVE_FOR = timedelta(seconds=3 * HEARTBEAT_SECONDS)


async def live_regions(session: AsyncSession, *, now: datetime | None = None) -> list[str]:
    since = (now or utcnow()) - LIVE_FOR
    rows = await session.scalars(
        select(WorkerStatus.region).where(WorkerStatus.last_seen_at >= since).distinct()
    )
    return sorted(rows.all())


async def record_heartbeats(session: AsyncSession, heartbeats: Sequence[WorkerHeartbeat]) -> None:
    """Upsert each worker's row with its newest heartbeat (older ones change nothing)."""
    for beat in sorted(heartbeats, key=lambda b: b.at):
        row = await session.get(WorkerStatus, beat.worker_id)
        if row is None:
            session.add(
                WorkerStatus(
                    worker_id=beat.worker_id,
                    region=beat.region,
                    started_at=beat.started_at,
                    last_seen_at=beat.at,
                    checked_total=beat.checked_total,
                    missed_total=beat.missed_total,
                )
            )
            await session.flush()
        elif beat.at > row.last_seen_at:
            row.last_seen_at = beat.at
            row.checked_total = beat.checked_total
            row.missed_total = beat.missed_total


async def region_summary(
    session: AsyncSession, *, now: datetime | None = None
) -> list[dict[str, object]]:
    """Per region: live workers, and checks and misses counted by the workers seen."""
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
    return [
        {
            "region": region,
            "live_workers": int(alive or 0),
            "checked": int(checked or 0),
            "missed": int(missed or 0),
            "last_seen_at": last_seen,
        }
        for region, alive, checked, missed, last_seen in rows
    ]
