"""Failure screenshots of browser checks: which checks have one, and the image itself.

The caller has already checked who owns the monitor (the dashboard's PageMonitor, the
notifier planning its own monitor's alert)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import Check, CheckScreenshot

CheckKey = tuple[datetime, str]  # (due_at, region) of one check of a monitor


def screenshot_path(monitor_id: int, screenshot_id: int) -> str:
    """Where the dashboard serves a screenshot, below BETTERUPTIME_PUBLIC_URL."""
    return f"/monitors/{monitor_id}/screenshots/{screenshot_id}"


async def screenshots_of(
    session: AsyncSession, *, monitor_id: int, checks: Sequence[Check]
) -> dict[CheckKey, int]:
    """The screenshot id of each of `checks` (of one monitor) that has one."""
    if not checks:
        return {}
    rows = await session.execute(
        select(CheckScreenshot.due_at, CheckScreenshot.region, CheckScreenshot.id).where(
            CheckScreenshot.monitor_id == monitor_id,
            CheckScreenshot.due_at >= min(check.due_at for check in checks),
            CheckScreenshot.due_at <= max(check.due_at for check in checks),
        )
    )
    return {(due_at, region): screenshot_id for due_at, region, screenshot_id in rows}


async def latest_screenshot(
    session: AsyncSession, *, monitor_id: int, at_or_before: datetime
) -> int | None:
    """The id of the monitor's newest screenshot due at or before a moment, if any."""
    return await session.scalar(
        select(CheckScreenshot.id)
        .where(CheckScreenshot.monitor_id == monitor_id, CheckScreenshot.due_at <= at_or_before)
        .order_by(CheckScreenshot.due_at.desc())
        .limit(1)
    )


async def screenshot_image(
    session: AsyncSession, *, monitor_id: int, screenshot_id: int
) -> bytes | None:
    """The JPEG of one of the monitor's screenshots; None when it has no such one."""
    return await session.scalar(
        select(CheckScreenshot.image).where(
            CheckScreenshot.id == screenshot_id, CheckScreenshot.monitor_id == monitor_id
        )
    )
