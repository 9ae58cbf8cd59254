"""SVG badges of a monitor's status and uptime, for READMEs and other sites.

Only monitors shown on at least one status page have badges: publishing a page is what
makes a monitor's status public. Any other id answers exactly like a missing monitor.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from betteruptime.api.deps import SessionDep
from betteruptime.api.errors import error_response
from betteruptime.db.types import utcnow
from betteruptime.domain.rollups import WINDOWS
from betteruptime.services.stats import window_aggregate
from betteruptime.web.badges import status_badge, uptime_badge
from betteruptime.web.deps import path_id
from betteruptime.web.public_status import published_status

router = APIRouter(include_in_schema=False)

DEFAULT_WINDOW = "30d"
BADGE_HEADERS = {
    # Short: a badge should follow an outage within a minute, even through a proxy cache
    # such as GitHub's camo.
    "Cache-Control": "max-age=60",
    "X-Content-Type-Options": "nosniff",
    # Opened on its own, the SVG is a document: it may load nothing and run nothing.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}


def _svg(document: str) -> Response:
    return Response(document, media_type="image/svg+xml", headers=BADGE_HEADERS)


def _not_found() -> Response:
    return error_response(404, "not_found", "Monitor not found.")


@router.get("/badge/{monitor_id}/status.svg")
async def status_svg(monitor_id: str, db: SessionDep) -> Response:
    found = path_id(monitor_id)
    status = None if found is None else await published_status(db, monitor_id=found)
    return _not_found() if status is None else _svg(status_badge(status))


@router.get("/badge/{monitor_id}/uptime.svg")
async def uptime_svg(monitor_id: str, db: SessionDep, window: str = DEFAULT_WINDOW) -> Response:
    if window not in WINDOWS:
        message = f"window must be one of {', '.join(WINDOWS)}."
        return error_response(400, "invalid_window", message)
    found = path_id(monitor_id)
    if found is None or await published_status(db, monitor_id=found) is None:
        return _not_found()
    aggregate = await window_aggregate(db, monitor_id=found, window=WINDOWS[window], now=utcnow())
    return _svg(uptime_badge(window, aggregate.uptime_percent))
