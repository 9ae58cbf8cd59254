"""The acting organization's audit log (admins and owners)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from betteruptime.api.access import AuditReader
from betteruptime.api.deps import SessionDep
from betteruptime.api.errors import ErrorBody
from betteruptime.schemas.audit import ActionFilter, ActorFilter, AuditEntryPublic, ObjectTypeFilter
from betteruptime.schemas.instants import Instant
from betteruptime.services import audit as audit_service

router = APIRouter(
    prefix="/audit-log",
    tags=["audit log"],
    responses={
        401: {"model": ErrorBody, "description": "Missing or invalid token."},
        403: {"model": ErrorBody, "description": "Only admins and owners read the audit log."},
        422: {"model": ErrorBody, "description": "Invalid filter; `details` names each one."},
    },
)


@router.get("")
async def list_audit_log(
    session: SessionDep,
    context: AuditReader,
    action: Annotated[
        ActionFilter | None,
        Query(description="An action (`monitor.create`) or a family (`monitor.*`)."),
    ] = None,
    object_type: Annotated[
        ObjectTypeFilter | None, Query(description="`monitor`, `channel`, `member`…")
    ] = None,
    actor: Annotated[
        ActorFilter | None, Query(description="A user's email or an API token's name, any case.")
    ] = None,
    since: Annotated[
        Instant | None, Query(description="ISO 8601; inclusive. No offset means UTC.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=audit_service.MAX_LIMIT)] = 100,
) -> list[AuditEntryPublic]:
    """What was changed in the organization, by whom and when, newest first; entries
    are kept for 365 days."""
    filters = audit_service.AuditFilter(
        action=action, object_type=object_type, actor=actor, since=since
    )
    entries = await audit_service.list_entries(
        session, organization_id=context.organization_id, filters=filters, limit=limit
    )
    return [AuditEntryPublic.model_validate(entry, from_attributes=True) for entry in entries]
