"""Public status pages, no login: `/status/<slug>` and its JSON twin `.json`.

They show what the owner published and nothing else (web/public_status.py). Pages get
the dashboard's headers (not framed, not cached, not sniffed); the JSON may also be read
by other sites' scripts, since everything in it is public anyway.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from betteruptime.api.deps import SessionDep
from betteruptime.api.errors import error_response
from betteruptime.db.types import utcnow
from betteruptime.schemas.status_pages import MAX_SLUG
from betteruptime.services import status_pages as page_service
from betteruptime.services.status_pages import StatusPageRecord
from betteruptime.web.deps import finish, not_found_page, render
from betteruptime.web.public_status import as_json, public_status

router = APIRouter(include_in_schema=False)


async def _page(db: SessionDep, slug: str) -> StatusPageRecord | None:
    # A slug longer than any page's cannot exist: no need to ask the database.
    if len(slug) > MAX_SLUG:
        return None
    return await page_service.get_page_by_slug(db, slug=slug)


# Before the HTML route: "/status/{slug}" would also match "acme.json".
@router.get("/status/{slug}.json")
async def status_json(request: Request, slug: str, db: SessionDep) -> Response:
    record = await _page(db, slug)
    if record is None:
        response: Response = error_response(404, "not_found", "Status page not found.")
    else:
        response = JSONResponse(as_json(await public_status(db, record=record, now=utcnow())))
    response = finish(request, response)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@router.get("/status/{slug}")
async def status_page(request: Request, slug: str, db: SessionDep) -> Response:
    record = await _page(db, slug)
    if record is None:
        return not_found_page(request, "status page")
    status = await public_status(db, record=record, now=utcnow())
    return render(request, "status_page.html", {"status": status, "now": status.updated_at})
