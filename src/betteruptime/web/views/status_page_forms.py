"""Status pages in the dashboard: the list, and forms to create, edit and delete one.

The forms are checked by the API's own body models and service, so they accept and
refuse exactly what the API does; errors are shown beside their fields. Another organization's
page answers like a missing one.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from betteruptime.api.access import RequestContext
from betteruptime.api.deps import SessionDep
from betteruptime.schemas.status_pages import StatusPageCreate, StatusPageUpdate
from betteruptime.services import monitors as monitor_service
from betteruptime.services import status_pages as page_service
from betteruptime.services.monitors import MonitorInvalidError
from betteruptime.services.status_pages import SlugTakenError, StatusPageRecord
from betteruptime.web.access import EditableStatusPage, PagePageWriter, PageReader
from betteruptime.web.dashboard import display_target
from betteruptime.web.deps import CsrfChecked, redirect, render
from betteruptime.web.forms import Errors, pydantic_errors, text, texts

router = APIRouter(include_in_schema=False)

MAX_CHOICES = 1000
FIELDS = ("slug", "title", "monitor_ids")


async def _form(request: Request) -> tuple[dict[str, Any], Errors]:
    """The form's fields as the API's body, and what is wrong before validation."""
    form = await request.form()
    chosen = texts(form, "monitor_ids")
    body = {
        "slug": text(form, "slug"),
        "title": text(form, "title"),
        "monitor_ids": [int(value) for value in chosen if value.isdigit()],
    }
    errors = {}
    if len(body["monitor_ids"]) != len(chosen):
        errors["monitor_ids"] = "choose monitors from the list"
    return body, errors


async def monitor_choices(
    db: SessionDep, org: RequestContext, first: list[int]
) -> list[dict[str, Any]]:
    """The organization's monitors to tick: those already chosen first, in their order."""
    records = await monitor_service.list_monitors(
        db, organization_id=org.organization_id, limit=MAX_CHOICES
    )
    place = {monitor_id: index for index, monitor_id in enumerate(first)}
    records.sort(key=lambda r: (place.get(r.monitor.id, len(place)), r.monitor.name.lower()))
    return [
        {
            "id": r.monitor.id,
            "name": r.monitor.name,
            "target": display_target(r.monitor.kind, r.monitor.url),
        }
        for r in records
    ]


async def _show_form(
    request: Request,
    db: SessionDep,
    org: RequestContext,
    *,
    page_id: int | None,
    values: dict[str, Any],
    errors: Errors,
    status_code: int = 200,
) -> Response:
    context = {
        "editing": page_id is not None,
        "values": values,
        "errors": errors,
        "choices": await monitor_choices(db, org, values["monitor_ids"]),
        "action": f"/status-pages/{page_id}/edit" if page_id else "/status-pages/new",
    }
    return render(request, "status_page_form.html", context, status_code=status_code)


async def _save(
    db: SessionDep, org: RequestContext, body: dict[str, Any], page: StatusPageRecord | None
) -> tuple[Errors, int]:
    """Create or change the page; the errors by field and the status to answer with."""
    model: type[BaseModel] = StatusPageUpdate if page else StatusPageCreate
    try:
        data = model.model_validate(body)
        if isinstance(data, StatusPageUpdate) and page is not None:
            await page_service.update_page(db, record=page, changes=data)
        elif isinstance(data, StatusPageCreate):
            await page_service.create_page(db, organization_id=org.organization_id, data=data)
    except ValidationError as error:
        return pydantic_errors(error.errors(), fields=FIELDS), 422
    except MonitorInvalidError as error:
        return {problem.field: problem.message for problem in error.problems}, 422
    except SlugTakenError:
        return {"slug": "another status page already has this address; choose another"}, 409
    return {}, 200


async def _submit(
    request: Request, db: SessionDep, org: RequestContext, page: StatusPageRecord | None
) -> Response:
    """Save the form and go back to the list, or show it again with what is wrong."""
    page_id = page.page.id if page else None  # read now: a failed save expires the row
    body, errors = await _form(request)
    status_code = 422
    if not errors:
        errors, status_code = await _save(db, org, body, page)
    if errors:
        return await _show_form(
            request, db, org, page_id=page_id, values=body, errors=errors, status_code=status_code
        )
    return redirect(request, "/status-pages")


@router.get("/status-pages")
async def list_page(request: Request, db: SessionDep, org: PageReader) -> Response:
    pages = await page_service.list_pages(db, organization_id=org.organization_id)
    return render(request, "status_pages.html", {"pages": pages})


@router.get("/status-pages/new")
async def new_page(request: Request, db: SessionDep, org: PagePageWriter) -> Response:
    values = {"slug": "", "title": "", "monitor_ids": []}
    return await _show_form(request, db, org, page_id=None, values=values, errors={})


@router.post("/status-pages/new", dependencies=[CsrfChecked])
async def create_page(request: Request, db: SessionDep, org: PagePageWriter) -> Response:
    return await _submit(request, db, org, None)


@router.get("/status-pages/{page_id}/edit")
async def edit_page(
    request: Request, record: EditableStatusPage, db: SessionDep, org: PagePageWriter
) -> Response:
    values = {
        "slug": record.page.slug,
        "title": record.page.title,
        "monitor_ids": record.monitor_ids,
    }
    return await _show_form(request, db, org, page_id=record.page.id, values=values, errors={})


@router.post("/status-pages/{page_id}/edit", dependencies=[CsrfChecked])
async def update_page(
    request: Request, record: EditableStatusPage, db: SessionDep, org: PagePageWriter
) -> Response:
    return await _submit(request, db, org, record)


@router.post("/status-pages/{page_id}/delete", dependencies=[CsrfChecked])
async def delete_page(request: Request, record: EditableStatusPage, db: SessionDep) -> Response:
    await page_service.delete_page(db, record=record)
    return redirect(request, "/status-pages")
