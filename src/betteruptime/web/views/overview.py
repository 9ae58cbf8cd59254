"""The overview (`/`): every monitor of the user, live.

Alert events of the user's monitors that the notifier had to set aside (dead letters)
show above the list: those alerts were not sent, and someone should know.

One URL for the page and its fragment: an htmx request (the filter form, the polling
every few seconds) gets only the list; a normal request, or htmx restoring a page from
history, gets the whole page. So a filtered view is a plain link that reloads as itself.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from betteruptime.api.deps import SessionDep
from betteruptime.db.types import utcnow
from betteruptime.services.dead_letters import recent_of_owner
from betteruptime.web.dashboard import STATUSES, count_by_status, filter_rows, overview_rows
from betteruptime.web.deps import PageUser, render

router = APIRouter(include_in_schema=False)

MAX_QUERY_LENGTH = 200


@router.get("/")
async def overview(
    request: Request, db: SessionDep, user: PageUser, status: str = "", q: str = ""
) -> Response:
    status = status if status in STATUSES else ""
    query = q[:MAX_QUERY_LENGTH]
    now = utcnow()
    rows = await overview_rows(db, owner_id=user.id, now=now)
    dead_count, dead_letters = await recent_of_owner(db, owner_id=user.id, now=now)
    counts = count_by_status(rows)
    fragment = bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )
    context = {
        "fragment": fragment,
        "page_title": f"({counts['down']} down) Monitors" if counts["down"] else "Monitors",
        "now": now,
        "rows": filter_rows(rows, status=status, query=query),
        "total": len(rows),
        "counts": counts,
        "statuses": STATUSES,
        "status_choices": [("", "All"), *((name, name.capitalize()) for name in STATUSES)],
        "status": status,
        "q": query,
        "dead_count": dead_count,
        "dead_letters": dead_letters,
    }
    response = render(request, "_monitor_list.html" if fragment else "overview.html", context)
    # The same URL answers with a page or a fragment: caches must keep them apart.
    response.headers["Vary"] = "HX-Request"
    return response
