"""Maintenance windows of the current user: times when their monitors are expected to
fail, so checks go on and incidents are recorded, but nobody is paged."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from betteruptime.api.deps import CurrentUser, SessionDep, valid_id
from betteruptime.api.errors import ErrorBody, not_found
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
        404: {"model": ErrorBody, "description": "No such maintenance window of yours."},
        422: {"model": ErrorBody, "description": "Invalid input; `details` names each field."},
    },
)
WindowId = Annotated[int, Path(description="The maintenance window's id.")]


def _public(record: WindowRecord) -> MaintenanceWindowPublic:
    return MaintenanceWindowPublic.from_row(
        record.window, record.monitor_ids, record.schedule, utcnow()
    )


async def _owned(session: SessionDep, user: CurrentUser, window_id: int) -> WindowRecord:
    record = await maintenance_service.get_window(
        session, owner_id=user.id, window_id=valid_id(window_id, "Maintenance window")
    )
    if record is None:
        raise not_found("Maintenance window")
    return record


@router.get("")
async def list_windows(session: SessionDep, user: CurrentUser) -> list[MaintenanceWindowPublic]:
    """Your maintenance windows, ordered by id, each saying whether it is active now."""
    records = await maintenance_service.list_windows(session, owner_id=user.id)
    return [_public(record) for record in records]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_window(
    data: MaintenanceWindowCreate, session: SessionDep, user: CurrentUser
) -> MaintenanceWindowPublic:
    """Add a window: one-off with `starts_at` and `ends_at`, or recurring with `weekdays`,
    `start_time`, `duration_minutes` and `timezone`; `monitor_ids` says what it covers."""
    record = await maintenance_service.create_window(
        session,
        owner_id=user.id,
        values=data.model_dump(exclude={"monitor_ids"}),
        monitor_ids=data.monitor_ids,
    )
    return _public(record)


@router.get("/{window_id}")
async def get_window(
    window_id: WindowId, session: SessionDep, user: CurrentUser
) -> MaintenanceWindowPublic:
    return _public(await _owned(session, user, window_id))


@router.patch("/{window_id}")
async def update_window(
    window_id: WindowId, changes: MaintenanceWindowUpdate, session: SessionDep, user: CurrentUser
) -> MaintenanceWindowPublic:
    """Change the fields sent; `monitor_ids`, when sent, replaces the covered monitors."""
    record = await _owned(session, user, window_id)
    await maintenance_service.update_window(
        session,
        record=record,
        changes=changes.model_dump(exclude_unset=True, exclude={"monitor_ids"}),
        monitor_ids=changes.monitor_ids,
    )
    return _public(record)


@router.delete("/{window_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_window(window_id: WindowId, session: SessionDep, user: CurrentUser) -> Response:
    """Delete the window. One in progress ends now: with `notify` its channels hear that
    it ended, and outages it was hiding are announced."""
    record = await _owned(session, user, window_id)
    await maintenance_service.delete_window(session, record=record)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
