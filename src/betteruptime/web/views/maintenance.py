"""Maintenance windows in the dashboard: the list (active ones first), forms to create
and edit a one-off or a weekly window, "end now" and delete.

The forms are checked by the API's own body models and service
(`/api/v1/maintenance-windows`), so they accept and refuse exactly what the API does,
each message beside its field. One-off times are typed in UTC. Another user's window
answers like a missing one.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from betteruptime.api.access import RequestContext
from betteruptime.api.deps import SessionDep
from betteruptime.db.types import utcnow
from betteruptime.schemas.maintenance import (
    MaintenanceWindowCreate,
    MaintenanceWindowPublic,
    MaintenanceWindowUpdate,
)
from betteruptime.services import maintenance as maintenance_service
from betteruptime.services.maintenance import WindowRecord
from betteruptime.services.monitors import MonitorInvalidError
from betteruptime.web.access import EditableWindow, PageMaintenanceWriter, PageReader
from betteruptime.web.deps import CsrfChecked, flash, redirect, render
from betteruptime.web.forms import Errors, pydantic_errors, text, texts
from betteruptime.web.views.status_page_forms import monitor_choices

router = APIRouter(include_in_schema=False)

FIELDS = (
    "name",
    "starts_at",
    "ends_at",
    "weekdays",
    "start_time",
    "duration_minutes",
    "timezone",
    "notify",
    "monitor_ids",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _public(record: WindowRecord) -> MaintenanceWindowPublic:
    return MaintenanceWindowPublic.from_row(
        record.window, record.monitor_ids, record.schedule, utcnow()
    )


def _values(window: MaintenanceWindowPublic | None) -> dict[str, Any]:
    """What the form shows: a window's fields, or a new one-off window's."""
    if window is None:
        empty = ("name", "starts_at", "ends_at", "start_time", "duration_minutes")
        blank: dict[str, Any] = dict.fromkeys(empty, "")
        return blank | {
            "form": "one_off",
            "weekdays": [],
            "timezone": "UTC",
            "notify": False,
            "monitor_ids": [],
        }
    return {
        "name": window.name,
        "form": "weekly" if window.start_time else "one_off",
        "starts_at": window.starts_at.strftime(_DATETIME_LOCAL) if window.starts_at else "",
        "ends_at": window.ends_at.strftime(_DATETIME_LOCAL) if window.ends_at else "",
        "weekdays": window.weekdays,
        "start_time": window.start_time or "",
        "duration_minutes": str(window.duration_minutes or ""),
        "timezone": window.timezone,
        "notify": window.notify,
        "monitor_ids": window.monitor_ids,
    }


async def _form(request: Request) -> tuple[dict[str, Any], dict[str, Any], Errors]:
    """The values to show again, the API body they make, and what is wrong before
    validation. Only the chosen form's fields are sent; the other's are nulled."""
    form = await request.form()
    values: dict[str, Any] = {name: text(form, name) for name in FIELDS}
    values["form"] = "weekly" if text(form, "form") == "weekly" else "one_off"
    values["notify"] = bool(text(form, "notify"))
    errors: Errors = {}
    numbers: dict[str, list[int]] = {}
    for name in ("weekdays", "monitor_ids"):
        chosen = texts(form, name)
        numbers[name] = [int(v) for v in chosen if v.isdigit() and len(v) < 11]
        if len(numbers[name]) != len(chosen):
            errors[name] = "choose from the list"
    values.update(numbers)
    weekly = values["form"] == "weekly"
    body: dict[str, Any] = {
        "name": values["name"],
        "timezone": values["timezone"] or "UTC",
        "notify": values["notify"],
        "monitor_ids": values["monitor_ids"],
        "starts_at": None if weekly else values["starts_at"] or None,
        "ends_at": None if weekly else values["ends_at"] or None,
        "weekdays": values["weekdays"] if weekly else [],
        "start_time": values["start_time"] or None if weekly else None,
        "duration_minutes": None,
    }
    duration = values["duration_minutes"].strip()
    if weekly and duration:
        if duration.isdigit() and len(duration) < 7:
            body["duration_minutes"] = int(duration)
        else:
            errors["duration_minutes"] = "enter a whole number of minutes"
    return values, body, errors


async def _show_form(
    request: Request,
    db: SessionDep,
    org: RequestContext,
    *,
    window_id: int | None,
    values: dict[str, Any],
    errors: Errors,
    status_code: int = 200,
) -> Response:
    context = {
        "editing": window_id is not None,
        "values": values,
        "errors": errors,
        "weekday_names": list(enumerate(WEEKDAYS)),
        "choices": await monitor_choices(db, org, values["monitor_ids"]),
        "action": f"/maintenance/{window_id}/edit" if window_id else "/maintenance/new",
    }
    return render(request, "maintenance_form.html", context, status_code=status_code)


async def _save(
    db: SessionDep, org: RequestContext, body: dict[str, Any], record: WindowRecord | None
) -> Errors:
    try:
        if record is None:
            data = MaintenanceWindowCreate.model_validate(body)
            await maintenance_service.create_window(
                db,
                organization_id=org.organization_id,
                values=data.model_dump(exclude={"monitor_ids"}),
                monitor_ids=data.monitor_ids,
            )
        else:
            changes = MaintenanceWindowUpdate.model_validate(body)
            await maintenance_service.update_window(
                db,
                record=record,
                changes=changes.model_dump(exclude_unset=True, exclude={"monitor_ids"}),
                monitor_ids=changes.monitor_ids,
            )
    except ValidationError as error:
        return pydantic_errors(error.errors(), fields=FIELDS)
    except MonitorInvalidError as error:
        # "body": the two forms' fields do not fit together; said above the form.
        return {("form" if p.field == "body" else p.field): p.message for p in error.problems}
    return {}


async def _submit(
    request: Request, db: SessionDep, org: RequestContext, record: WindowRecord | None
) -> Response:
    window_id = record.window.id if record else None  # read now: a failed save expires it
    values, body, errors = await _form(request)
    if not errors:
        errors = await _save(db, org, body, record)
    if errors:
        return await _show_form(
            request, db, org, window_id=window_id, values=values, errors=errors, status_code=422
        )
    flash(request, "ok", "Maintenance window saved." if record else "Maintenance window created.")
    return redirect(request, "/maintenance")


@router.get("/maintenance")
async def list_windows(request: Request, db: SessionDep, org: PageReader) -> Response:
    found = await maintenance_service.list_windows(db, organization_id=org.organization_id)
    windows = [_public(r) for r in found]
    windows.sort(key=lambda window: (not window.active, window.id))
    names = {choice["id"]: choice["name"] for choice in await monitor_choices(db, org, [])}
    context = {"windows": windows, "monitor_names": names, "weekday_names": WEEKDAYS}
    return render(request, "maintenance.html", context)


@router.get("/maintenance/new")
async def new_window(request: Request, db: SessionDep, org: PageMaintenanceWriter) -> Response:
    return await _show_form(request, db, org, window_id=None, values=_values(None), errors={})


@router.post("/maintenance/new", dependencies=[CsrfChecked])
async def create_window(request: Request, db: SessionDep, org: PageMaintenanceWriter) -> Response:
    return await _submit(request, db, org, None)


@router.get("/maintenance/{window_id}/edit")
async def edit_window(
    request: Request, record: EditableWindow, db: SessionDep, org: PageMaintenanceWriter
) -> Response:
    values = _values(_public(record))
    return await _show_form(request, db, org, window_id=record.window.id, values=values, errors={})


@router.post("/maintenance/{window_id}/edit", dependencies=[CsrfChecked])
async def update_window(
    request: Request, record: EditableWindow, db: SessionDep, org: PageMaintenanceWriter
) -> Response:
    return await _submit(request, db, org, record)


@router.post("/maintenance/{window_id}/end", dependencies=[CsrfChecked])
async def end_window(request: Request, record: EditableWindow, db: SessionDep) -> Response:
    """End a one-off window now: its end becomes now, and its monitors leave maintenance
    as when it ends by itself (the sweep tells its end; hidden outages are announced). A
    weekly window ends each time at its own time: change or delete it instead."""
    window = _public(record)
    if window.active and window.starts_at is not None:
        await maintenance_service.update_window(
            db, record=record, changes={"ends_at": utcnow()}, monitor_ids=None
        )
        flash(request, "ok", f"“{window.name}” ended.")
    elif window.active:
        flash(request, "error", "A weekly window ends at its own time: edit or delete it.")
    return redirect(request, "/maintenance")


@router.post("/maintenance/{window_id}/delete", dependencies=[CsrfChecked])
async def delete_window(request: Request, record: EditableWindow, db: SessionDep) -> Response:
    await maintenance_service.delete_window(db, record=record)
    return redirect(request, "/maintenance")
