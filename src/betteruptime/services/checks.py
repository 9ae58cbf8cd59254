"""Raw check results of one monitor, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import Check


async def list_checks(
    session: AsyncSession,
    *,
    monitor_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> Sequence[Check]:
    """Checks with since <= due_at < until, newest due time first.

    Filtering and ordering by `due_at` (then region) follows the unique index
    (monitor_id, due_at, region), so this is an index range scan however many checks
    the monitor has. The caller has already checked who owns the monitor.
    """
    statement = select(Check).where(Check.monitor_id == monitor_id)
    if since is not None:
        statement = statement.where(Check.due_at >= since)
    if until is not None:
        statement = statement.where(Check.due_at < until)
    statement = statement.order_by(Check.due_at.desc(), Check.region.desc()).limit(limit)
    return (await session.scalars(statement)).all()
