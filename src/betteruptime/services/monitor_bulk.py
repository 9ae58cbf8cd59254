"""One action on many of an organization's monitors, in one transaction.

Pausing, resuming and deleting go through the very services a single pause, resume or
delete uses (services/monitors.py), run in an AtomicSession whose commits only flush: so
the scheduler (it polls `updated_at`) and the api's ping tokens (they hear the commit)
learn of each monitor exactly as they would of a single change, once the whole action
commits. Nothing is changed unless all of it can be.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.session import AtomicSession
from betteruptime.db.types import utcnow
from betteruptime.domain.monitor_kinds import FieldProblem
from betteruptime.domain.tags import too_many_tags, with_tags, without_tags
from betteruptime.schemas.monitor_bulk import MonitorBulk
from betteruptime.services import monitors as monitor_service
from betteruptime.services.monitor_filters import MonitorFilter
from betteruptime.services.monitors import MonitorInvalidError, MonitorRecord

PAGE = 500


class MonitorsNotFoundError(Exception):
    """Some ids name no monitor of the organization's (missing, or someone else's: they look
    alike, so nobody learns which ids exist)."""

    def __init__(self, ids: Sequence[int]) -> None:
        self.ids = sorted(ids)
        listed = ", ".join(str(monitor_id) for monitor_id in self.ids)
        super().__init__(f"No monitor of yours has the id(s): {listed}. Nothing was changed.")


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    matched: int
    changed: list[int]


async def _selected(
    session: AsyncSession, *, organization_id: int, bulk: MonitorBulk
) -> list[MonitorRecord]:
    if bulk.ids is not None:
        filters = MonitorFilter(ids=bulk.ids)
    else:
        filters = MonitorFilter(tags=[bulk.tag] if bulk.tag else [])
    records: list[MonitorRecord] = []
    while True:
        page = await monitor_service.list_monitors(
            session,
            organization_id=organization_id,
            limit=PAGE,
            offset=len(records),
            filters=filters,
        )
        records += page
        if len(page) < PAGE:
            return records


async def _act(session: AsyncSession, record: MonitorRecord, bulk: MonitorBulk) -> bool:
    """Apply the action (not delete) to one monitor; whether that changed it."""
    monitor = record.monitor
    if bulk.action == "pause":
        if monitor.paused:
            return False
        await monitor_service.pause_monitor(session, monitor=monitor)
    elif bulk.action == "resume":
        if not monitor.paused:
            return False
        await monitor_service.resume_monitor(session, record=record)
    else:
        change = with_tags if bulk.action == "add_tags" else without_tags
        tags = change(monitor.tags, bulk.tags or [])
        if tags == monitor.tags:
            return False
        problem = too_many_tags(tags)
        if problem:
            raise MonitorInvalidError([FieldProblem("tags", f"monitor {monitor.id}: {problem}")])
        monitor.tags = tags
        monitor.updated_at = utcnow()
    return True


async def apply_bulk(
    session: AsyncSession, *, organization_id: int, bulk: MonitorBulk
) -> BulkOutcome:
    """Apply `bulk` to the organization's monitors it names, all or nothing.

    Raises MonitorsNotFoundError when some ids are not the organization's monitors, and
    MonitorInvalidError when adding tags would give a monitor too many."""
    async with AtomicSession(bind=session.bind, expire_on_commit=False) as atomic:
        atomic.info.update(session.info)  # who acts (services/audit.py)
        records = await _selected(atomic, organization_id=organization_id, bulk=bulk)
        if bulk.ids is not None:
            missing = set(bulk.ids) - {record.monitor.id for record in records}
            if missing:
                raise MonitorsNotFoundError(sorted(missing))
        if bulk.action == "delete":  # one statement per table for all of them
            await monitor_service.delete_monitors(atomic, monitors=[r.monitor for r in records])
            changed = [record.monitor.id for record in records]
        else:
            changed = [record.monitor.id for record in records if await _act(atomic, record, bulk)]
        await atomic.finish()
    return BulkOutcome(matched=len(records), changed=sorted(changed))
