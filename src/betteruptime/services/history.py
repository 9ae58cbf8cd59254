"""What is recorded about monitors in bulk, without a foreign key to cascade along when a
monitor goes: its checks, rollups and events. Deleted here for one monitor or for a whole
organization's."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, delete
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import ROLLUP_MODELS, Check, CheckScreenshot, OutboxEvent


async def delete_history(session: AsyncSession, monitor_ids: Collection[int] | Select[Any]) -> None:
    """Delete the checks, rollups and events of the monitors (uncommitted)."""
    await session.execute(delete(Check).where(Check.monitor_id.in_(monitor_ids)))
    await session.execute(
        delete(CheckScreenshot).where(CheckScreenshot.monitor_id.in_(monitor_ids))
    )
    await session.execute(delete(OutboxEvent).where(OutboxEvent.monitor_id.in_(monitor_ids)))
    for rollup in ROLLUP_MODELS.values():
        await session.execute(delete(rollup).where(rollup.monitor_id.in_(monitor_ids)))
