"""Reading the dead letters (notifier/dead_letters.py writes them): how many are recent,
for /healthz, and which concern a user's own monitors, for their dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import DeadLetter, Monitor

# A dead letter this recent makes the notifier `degraded` in /healthz and is shown on
# its monitor's organization's overview; older ones stay in the table for the record.
RECENT = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class RecentCount:
    count: int
    last_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeadLetterRow:
    monitor_id: int
    monitor_name: str
    event_type: str | None
    reason: str
    created_at: datetime


async def recent_count(session: AsyncSession, *, now: datetime) -> RecentCount:
    """Every recent dead letter, whoever's monitor it concerns (or none)."""
    count, last = (
        await session.execute(
            select(func.count(), func.max(DeadLetter.created_at)).where(
                DeadLetter.created_at >= now - RECENT
            )
        )
    ).one()
    return RecentCount(int(count or 0), last)


async def recent_of_organization(
    session: AsyncSession, *, organization_id: int, now: datetime, limit: int = 5
) -> tuple[int, list[DeadLetterRow]]:
    """How many recent dead letters concern the organization's monitors, and the newest few.
    One that names no monitor, or another user's, is never among them."""
    mine = (
        select(DeadLetter, Monitor.name)
        .join(Monitor, Monitor.id == DeadLetter.monitor_id)
        .where(Monitor.organization_id == organization_id, DeadLetter.created_at >= now - RECENT)
    )
    count = await session.scalar(select(func.count()).select_from(mine.subquery()))
    if not count:
        return 0, []
    rows = await session.execute(
        mine.order_by(DeadLetter.created_at.desc(), DeadLetter.id.desc()).limit(limit)
    )
    return int(count), [
        DeadLetterRow(
            monitor_id=letter.monitor_id or 0,
            monitor_name=name,
            event_type=letter.event_type,
            reason=letter.reason,
            created_at=letter.created_at,
        )
        for letter, name in rows
    ]
