"""Worker heartbeats, stored by the ingester: one row per worker, its newest beat."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import WorkerStatus
from betteruptime.domain.messages import WorkerHeartbeat


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
                    browser=beat.browser,
                )
            )
            await session.flush()
        elif beat.at > row.last_seen_at:
            row.last_seen_at = beat.at
            row.checked_total = beat.checked_total
            row.missed_total = beat.missed_total
            row.browser = beat.browser
