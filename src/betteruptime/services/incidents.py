"""Incidents of an organization's monitors: listing and acknowledging."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import Incident, Monitor, OutboxEvent
from betteruptime.db.types import utcnow
from betteruptime.services import audit

IncidentStatus = Literal["open", "resolved"]


class IncidentResolvedError(Exception):
    """An incident that ended before anyone acknowledged it cannot be acknowledged."""

    def __init__(self, incident_id: int) -> None:
        super().__init__(f"incident {incident_id} is already resolved")
        self.incident_id = incident_id


def _owned(organization_id: int) -> Select[Incident]:
    return (
        select(Incident)
        .join(Monitor, Monitor.id == Incident.monitor_id)
        .where(Monitor.organization_id == organization_id)
    )


async def list_incidents(
    session: AsyncSession,
    *,
    organization_id: int,
    monitor_id: int | None = None,
    status: IncidentStatus | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Incident]:
    """The organization's incidents, newest first, optionally of one monitor or one status."""
    statement = _owned(organization_id)
    if monitor_id is not None:
        statement = statement.where(Incident.monitor_id == monitor_id)
    if status is not None:
        statement = statement.where(Incident.status == status)
    statement = (
        statement.order_by(Incident.started_at.desc(), Incident.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return (await session.scalars(statement)).all()


async def get_incident(
    session: AsyncSession, *, organization_id: int, incident_id: int
) -> Incident | None:
    statement = _owned(organization_id).where(Incident.id == incident_id)
    return (await session.scalars(statement)).one_or_none()


async def acknowledge_incident(session: AsyncSession, *, incident: Incident) -> Incident:
    """Stamp acknowledged_at once; repeating it changes nothing.

    The UPDATE is conditional, so racing the ingester (which may resolve the incident at
    the same moment) or a second acknowledgement cannot overwrite what happened first.
    The first acknowledgement also puts an `acknowledged` event in the outbox, in the
    same transaction: the notifier tells the channels and stops the escalations.
    Raises IncidentResolvedError if it was resolved without being acknowledged.
    """
    now = utcnow()
    acknowledged = await session.execute(
        update(Incident)
        .where(
            Incident.id == incident.id,
            Incident.status == "open",
            Incident.acknowledged_at.is_(None),
        )
        .values(acknowledged_at=now)
        .execution_options(synchronize_session=False)
    )
    if acknowledged.rowcount == 1:  # type: ignore[attr-defined]
        session.add(
            OutboxEvent(
                type="acknowledged",
                monitor_id=incident.monitor_id,
                incident_id=incident.id,
                at=now,
                cause=incident.cause,
                created_at=now,
            )
        )
        audit.record(
            session,
            "incident.acknowledge",
            organization_id=await _organization_of(session, incident),
            object_type="incident",
            object_id=incident.id,
            changes={"acknowledged_at": [None, now.isoformat()]},
        )
    await session.commit()
    await session.refresh(incident)
    if incident.acknowledged_at is None:
        raise IncidentResolvedError(incident.id)
    return incident


async def _organization_of(session: AsyncSession, incident: Incident) -> int:
    found = await session.scalar(
        select(Monitor.organization_id).where(Monitor.id == incident.monitor_id)
    )
    return int(found or 0)
