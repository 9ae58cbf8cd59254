"""Incidents of the current user's monitors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from betteruptime.api.deps import MAX_ID, CurrentUser, SessionDep, valid_id
from betteruptime.api.errors import ErrorBody, not_found
from betteruptime.db.models import Incident
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
        404: {"model": ErrorBody, "description": "No such incident (or monitor) of yours."},
    },
)


async def _owned_incident(session: SessionDep, user: CurrentUser, incident_id: int) -> Incident:
    incident = await incident_service.get_incident(
        session, owner_id=user.id, incident_id=valid_id(incident_id, "Incident")
    )
    if incident is None:
        raise not_found("Incident")
    return incident


@router.get("")
async def list_incidents(
    session: SessionDep,
    user: CurrentUser,
    monitor_id: Annotated[int | None, Query(description="Only this monitor's.")] = None,
    status: Annotated[IncidentStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[IncidentPublic]:
    """Incidents, newest first (by start time)."""
    if monitor_id is not None:
        # A monitor that is not the user's is "not found", as everywhere else.
        owned = await monitor_service.get_monitor(
            session, owner_id=user.id, monitor_id=valid_id(monitor_id, "Monitor")
        )
        if owned is None:
            raise not_found("Monitor")
    rows = await incident_service.list_incidents(
        session, owner_id=user.id, monitor_id=monitor_id, status=status, limit=limit, offset=offset
    )
    return [IncidentPublic.model_validate(row) for row in rows]


@router.get("/{incident_id}")
async def get_incident(
    session: SessionDep, user: CurrentUser, incident_id: Annotated[int, Path()]
) -> IncidentDetail:
    """The incident with its timeline: first failure, confirmation, every notification
    and its delivery attempts, reminders, acknowledgement, resolution."""
    incident = await _owned_incident(session, user, incident_id)
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
    session: SessionDep, user: CurrentUser, incident_id: Annotated[int, Path()]
) -> IncidentPublic:
    """Record that someone is on it: reminders and pending escalations stop, and the
    monitor's channels are told. Idempotent: the first acknowledgement's time stays.
    409 if the incident was resolved before anyone acknowledged it."""
    incident = await _owned_incident(session, user, incident_id)
    incident = await incident_service.acknowledge_incident(session, incident=incident)
    return IncidentPublic.model_validate(incident)
