"""Uptime and response-time statistics of one monitor, from rollups only.

A window reads whole buckets of one resolution (hours for 24h and 7d, days for 30d and
90d): at most a few hundred rows, never the raw checks.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import ROLLUP_MODELS
from betteruptime.db.types import utcnow
from betteruptime.domain.rollups import Aggregate, Window, merge_all


async def window_aggregate(
    session: AsyncSession, *, monitor_id: int, window: Window, now: datetime | None = None
) -> Aggregate:
    """All the monitor's rollups of the window merged into one aggregate."""
    model = ROLLUP_MODELS[window.resolution]
    first = window.first_bucket(now or utcnow())
    statement = select(model).where(model.monitor_id == monitor_id, model.bucket_start >= first)
    rows = await session.scalars(statement)
    return merge_all(row.to_aggregate() for row in rows)
