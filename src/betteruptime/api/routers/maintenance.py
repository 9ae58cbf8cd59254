"""Maintenance windows of the request's organization: times when its monitors are
expected to fail, so checks go on and incidents are recorded, but nobody is paged."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from betteruptime.api.access import MaintenanceWriter, ReadableWindow, Reader, WritableWindow
from betteruptime.api.deps import SessionDep
from betteruptime.api.errors import ErrorBody
from betteruptime.db.types import utcnow
from betteruptime.schemas.maintenance import (
    MaintenanceWindowCreate,
    MaintenanceWindowPublic,
    MaintenanceWindowUpdate,
)
from betteruptime.services import maintenance as maintenance_service
from betteruptime.services.maintenance import WindowRecord

router = APIRouter(
    prefix="/maintenance-windows",
    tags=["maintenance"],
    responses={
        401: {"model": ErrorBody, "description": "Missing or invalid token."},
        404: {"model": ErrorBody, "description": "No such maintenance window in the organization."},
        422: {"model": ErrorBody, "description": "Invalid input; `details` names each field."},
    },
)


def _public(record: WindowRecord) -> MaintenanceWindowPublic:
    return MaintenanceWindowPublic.from_row(
        record.window, record.monitor_ids, record.schedule, utcnow()
    )


@router.get("")
async def list_windows(session: SessionDep, context: Reader) -> list[MaintenanceWindowPublic]:
    """The organization's maintenance windows, ordered by id, each saying whether it is
    active now."""
    records = await maintenance_service.list_windows(
        session, organization_id=context.organization_id
    )
    return [_public(record) for record in records]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_window(
    data: MaintenanceWindowCreate, session: SessionDep, context: MaintenanceWriter
) -> MaintenanceWindowPublic:
    """Add a window: one-off with `starts_at` and `ends_at`, or recurring with `weekdays`,
    `start_time`, `duration_minutes` and `timezone`; `monitor_ids` says what it covers."""
    record = await maintenance_service.create_window(
        session,
        organization_id=context.organization_id,
        values=data.model_dump(exclude={"monitor_ids"}),
        monitor_ids=data.monitor_ids,
    )
    return _public(record)


@router.get("/{window_id}")
async def get_window(record: ReadableWindow) -> MaintenanceWindowPublic:
    return _public(record)


@router.patch("/{window_id}")
async def update_window(
    record: WritableWindow, changes: MaintenanceWindowUpdate, session: SessionDep
) -> MaintenanceWindowPublic:
    """Change the fields sent; `monitor_ids`, when sent, replaces the covered monitors."""
    await maintenance_service.update_window(
        session,
        record=record,
        changes=changes.model_dump(exclude_unset=True, exclude={"monitor_ids"}),
        monitor_ids=changes.monitor_ids,
    )
    return _public(record)


@router.delete("/{window_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_window(record: WritableWindow, session: SessionDep) -> Response:
    """Delete the window. One in progress ends now: with `notify` its channels hear that
    it ended, and outages it was hiding are announced."""
    await maintenance_service.delete_window(session, record=record)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
