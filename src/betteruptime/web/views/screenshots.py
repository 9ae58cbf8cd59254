"""A browser check's failure screenshot, for its monitor's owner only (signed in): the
monitor page shows it, and alerts link to it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from betteruptime.api.deps import MAX_ID, SessionDep
from betteruptime.services.screenshots import screenshot_image
from betteruptime.web.access import PageMonitor
from betteruptime.web.deps import PAGE_HEADERS, NotFound

router = APIRouter(include_in_schema=False)


@router.get("/monitors/{monitor_id}/screenshots/{screenshot_id}")
async def screenshot(
    record: PageMonitor,
    db: SessionDep,
    screenshot_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> Response:
    image = await screenshot_image(db, monitor_id=record.monitor.id, screenshot_id=screenshot_id)
    if image is None:
        raise NotFound("screenshot")
    return Response(image, media_type="image/jpeg", headers=PAGE_HEADERS)
