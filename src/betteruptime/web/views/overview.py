"""The overview (`/`): every monitor of the organization shown, live.

Alert events of its monitors that the notifier had to set aside (dead letters)
show above the list: those alerts were not sent, and someone should know.

Monitors are listed by group (those without one last), and filter by status, text,
group and tags (`?tag=` repeated: all of them), each a chip of the filter form.

One URL for the page and its fragment: an htmx request (the filter form, the polling
every few seconds) gets only the list; a normal request, or htmx restoring a page from
history, gets the whole page. So a filtered view is a plain link that reloads as itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from betteruptime.api.deps import SessionDep
from betteruptime.db.types import utcnow
from betteruptime.domain.tags import MAX_TAGS
from betteruptime.services.dead_letters import recent_of_organization
from betteruptime.web.access import PageReader
from betteruptime.web.dashboard import STATUSES, count_by_status, filter_rows, overview_rows
from betteruptime.web.deps import render
from betteruptime.web.overview_labels import all_groups, all_tags, sections

router = APIRouter(include_in_schema=False)

MAX_QUERY_LENGTH = 200


@router.get("/")
async def overview(
    request: Request,
    db: SessionDep,
    org: PageReader,
    status: str = "",
    q: str = "",
    group: str = "",
    tag: Annotated[list[str], Query()] = [],  # noqa: B006 (FastAPI copies defaults)
) -> Response:
    status = status if status in STATUSES else ""
    query = q[:MAX_QUERY_LENGTH]
    tags = [value for value in tag if value][:MAX_TAGS]
    now = utcnow()
    rows = await overview_rows(db, organization_id=org.organization_id, now=now)
    shown = filter_rows(rows, status=status, query=query, tags=tags, group=group)
    dead_count, dead_letters = await recent_of_organization(
        db, organization_id=org.organization_id, now=now
    )
    counts = count_by_status(rows)
    fragment = bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )
    context = {
        "fragment": fragment,
        "page_title": f"({counts['down']} down) Monitors" if counts["down"] else "Monitors",
        "now": now,
        "rows": shown,
        "sections": sections(shown),
        "total": len(rows),
        "counts": counts,
        "statuses": STATUSES,
        "status_choices": [("", "All"), *((name, name.capitalize()) for name in STATUSES)],
        "status": status,
        "q": query,
        "tags": tags,
        "group": group,
        "all_tags": all_tags(rows),
        "all_groups": all_groups(rows),
        "dead_count": dead_count,
        "dead_letters": dead_letters,
    }
    response = render(request, "_monitor_list.html" if fragment else "overview.html", context)
    # The same URL answers with a page or a fragment: caches must keep them apart.
    response.headers["Vary"] = "HX-Request"
    return response
