"""The incidents page (`/incidents`), an incident's own page with its timeline, and
acknowledging an incident from the dashboard.

Open incidents come first (they need someone), then the latest resolved ones; each
list is one query with the monitor's name joined. Acknowledging is the API's service,
so the channels hear of it and escalations stop exactly as after
`POST /api/v1/incidents/{id}/acknowledge`. Another user's incident answers like a
missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.api.deps import SessionDep
from betteruptime.db.models import Incident, Monitor
from betteruptime.db.types import utcnow
from betteruptime.services import incidents as incident_service
from betteruptime.services import monitors as monitor_service
from betteruptime.services.incidents import IncidentResolvedError
from betteruptime.services.timeline import incident_timeline
from betteruptime.web.access import AcknowledgeableIncident, PageIncident, PageReader
from betteruptime.web.deps import CsrfChecked, flash, redirect, render, safe_next
from betteruptime.web.forms import text

router = APIRouter(include_in_schema=False)

LATEST = 100
Show = Literal["all", "open", "resolved"]
FILTERS: tuple[tuple[Show, str], ...] = (("all", "All"), ("open", "Open"), ("resolved", "Resolved"))


@dataclass(frozen=True, slots=True)
class IncidentRow:
    incident: Incident
    monitor_name: str


async def _incidents(
    session: AsyncSession, *, organization_id: int, status: str
) -> list[IncidentRow]:
    """The organization's incidents of one status, newest first, with their monitor's name."""
    statement = (
        select(Incident, Monitor.name)
        .join(Monitor, Monitor.id == Incident.monitor_id)
        .where(Monitor.organization_id == organization_id, Incident.status == status)
        .order_by(Incident.started_at.desc(), Incident.id.desc())
        .limit(LATEST)
    )
    rows = (await session.execute(statement)).all()
    return [IncidentRow(incident, name) for incident, name in rows]


@router.get("/incidents")
async def incidents_page(
    request: Request, db: SessionDep, org: PageReader, status: str = "all"
) -> Response:
    show: Show = status if status in ("open", "resolved") else "all"  # type: ignore[assignment]
    organization_id = org.organization_id
    open_rows = (
        await _incidents(db, organization_id=organization_id, status="open")
        if show != "resolved"
        else []
    )
    resolved_rows = (
        await _incidents(db, organization_id=organization_id, status="resolved")
        if show != "open"
        else []
    )
    context = {
        "now": utcnow(),
        "show": show,
        "latest": LATEST,
        "filters": FILTERS,
        "open_rows": open_rows,
        "resolved_rows": resolved_rows,
        "here": str(request.url.path) + (f"?status={show}" if show != "all" else ""),
    }
    return render(request, "incidents.html", context)


@router.get("/incidents/{incident_id}")
async def incident_page(
    request: Request, incident: PageIncident, db: SessionDep, org: PageReader
) -> Response:
    """One incident with its timeline: failures, notifications, acknowledgement."""
    record = await monitor_service.get_monitor(
        db, organization_id=org.organization_id, monitor_id=incident.monitor_id
    )
    context = {
        "now": utcnow(),
        "incident": incident,
        "monitor": record.monitor if record else None,
        "timeline": await incident_timeline(db, incident),
    }
    return render(request, "incident.html", context)


@router.post("/incidents/{incident_id}/acknowledge", dependencies=[CsrfChecked])
async def acknowledge(
    request: Request, incident: AcknowledgeableIncident, db: SessionDep
) -> Response:
    number = incident.id
    try:
        await incident_service.acknowledge_incident(db, incident=incident)
    except IncidentResolvedError:
        flash(request, "error", f"Incident #{number} was resolved before anyone acknowledged it.")
    else:
        flash(request, "ok", f"Incident #{number} acknowledged: reminders and escalations stop.")
    # Back where the button was: the list (with its filter) or the incident's own page.
    next_page = text(await request.form(), "next") or f"/incidents/{number}"
    return redirect(request, safe_next(next_page))
