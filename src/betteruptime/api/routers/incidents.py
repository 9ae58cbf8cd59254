"""Incidents of the request's organization's monitors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from betteruptime.api.access import AcknowledgeableIncident, ReadableIncident, Reader
from betteruptime.api.deps import MAX_ID, SessionDep, valid_id
from betteruptime.api.errors import ErrorBody, not_found
from betteruptime.schemas.incidents import (
    IncidentDetail,
    IncidentPublic,
    TimelineEntryPublic,
)
from betteruptime.services import incidents as incident_service
from betteruptime.services import monitors as monitor_service
from betteruptime.services.incidents import IncidentStatus
from betteruptime.services.timeline import incident_timeline

router = APIRouter(
    prefix="/incidents",
    tags=["incidents"],
    responses={
        401: {"model": ErrorBody, "description": "Missing or invalid token."},
        404: {
            "model": ErrorBody,
            "description": "No such incident (or monitor) in the organization.",
        },
    },
)


@router.get("")
async def list_incidents(
    session: SessionDep,
    context: Reader,
    monitor_id: Annotated[int | None, Query(description="Only this monitor's.")] = None,
    status: Annotated[IncidentStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[IncidentPublic]:
    """Incidents, newest first (by start time)."""
    if monitor_id is not None:
        # A monitor of another organization is "not found", as everywhere else.
        owned = await monitor_service.get_monitor(
            session,
            organization_id=context.organization_id,
            monitor_id=valid_id(monitor_id, "Monitor"),
        )
        if owned is None:
            raise not_found("Monitor")
    rows = await incident_service.list_incidents(
        session,
        organization_id=context.organization_id,
        monitor_id=monitor_id,
        status=status,
        limit=limit,
        offset=offset,
    )
    return [IncidentPublic.model_validate(row) for row in rows]


@router.get("/{incident_id}")
async def get_incident(session: SessionDep, incident: ReadableIncident) -> IncidentDetail:
    """The incident with its timeline: first failure, confirmation, every notification
    and its delivery attempts, reminders, acknowledgement, resolution."""
    timeline = await incident_timeline(session, incident)
    return IncidentDetail(
        **IncidentPublic.model_validate(incident).model_dump(),
        timeline=[TimelineEntryPublic.model_validate(entry) for entry in timeline],
    )


@router.post(
    "/{incident_id}/acknowledge",
    responses={409: {"model": ErrorBody, "description": "Resolved before acknowledged."}},
)
async def acknowledge_incident(
    session: SessionDep, incident: AcknowledgeableIncident
) -> IncidentPublic:
    """Record that someone is on it: reminders and pending escalations stop, and the
    monitor's channels are told. Idempotent: the first acknowledgement's time stays.
    409 if the incident was resolved before anyone acknowledged it."""
    incident = await incident_service.acknowledge_incident(session, incident=incident)
    return IncidentPublic.model_validate(incident)
