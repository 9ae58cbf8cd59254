"""A monitor's page, its chart data, and pause/resume/delete.

Another user's monitor answers exactly like a missing one (404 page), as in the API:
ids must not tell which objects exist. (An incident's page is in views/incidents.py.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from betteruptime.api.deps import SessionDep, SettingsDep
from betteruptime.db.models import Check, Monitor, MonitorState
from betteruptime.db.types import utcnow
from betteruptime.domain.quorum import region_warnings
from betteruptime.domain.targets import watched_domain
from betteruptime.services import incidents as incident_service
from betteruptime.services import monitors as monitor_service
from betteruptime.services.checks import list_checks
from betteruptime.services.in_maintenance import monitors_in_maintenance
from betteruptime.services.regions import live_workers
from betteruptime.services.screenshots import screenshots_of
from betteruptime.web.access import ChartMonitor, EditableMonitor, PageMonitor, PageReader
from betteruptime.web.charts import CHART_RANGES, DEFAULT_RANGE, chart_series, opening_range
from betteruptime.web.dashboard import display_target, monitor_summary, status_of
from betteruptime.web.deps import CsrfChecked, finish, redirect, render

router = APIRouter(include_in_schema=False)

LATEST_CHECKS = 20
LATEST_INCIDENTS = 20


def registration(
    monitor: Monitor, state: MonitorState | None, checks: Sequence[Check], now: datetime
) -> dict[str, Any] | None:
    """The domain registration the monitor watches, for its page: the domain, when it
    expires and how many days are left (the latest RDAP answer), and its registrar."""
    if monitor.kind != "domain" and monitor.domain_expiry_days is None:
        return None
    expires_at = state.domain_expires_at if state else None
    seen = next(
        (check.details for check in checks if check.details and "rdap_url" in check.details), {}
    )
    return {
        "domain": seen.get("domain") or watched_domain(monitor.url),
        "expires_at": expires_at,
        "days_left": (expires_at - now).days if expires_at else None,
        "registrar": seen.get("registrar"),
    }


@router.get("/monitors/{monitor_id}")
async def monitor_page(
    request: Request, record: PageMonitor, db: SessionDep, org: PageReader
) -> Response:
    monitor, now = record.monitor, utcnow()
    checks = await list_checks(db, monitor_id=monitor.id, limit=LATEST_CHECKS)
    context = {
        "now": now,
        "monitor": monitor,
        "state": record.state,
        "status": status_of(monitor.paused, record.state.status if record.state else None),
        "target": display_target(monitor.kind, monitor.url),
        "summary": await monitor_summary(db, monitor_id=monitor.id, now=now),
        "checks": checks,
        "registration": registration(monitor, record.state, checks, now),
        # Browser checks: which of them have a failure screenshot (by due time, region).
        "screenshots": await screenshots_of(db, monitor_id=monitor.id, checks=checks),
        "incidents": await incident_service.list_incidents(
            db,
            organization_id=org.organization_id,
            monitor_id=monitor.id,
            limit=LATEST_INCIDENTS,
        ),
        "ranges": list(CHART_RANGES),
        "opening_range": opening_range(
            created_at=monitor.created_at,
            last_checked_at=record.state.last_checked_at if record.state else None,
            now=now,
        ),
        "warnings": region_warnings(
            monitor.kind,
            monitor.regions,
            live=(await live_workers(db)).for_kind(monitor.kind),
            min_failed=monitor.min_failed_regions,
        ),
        "in_maintenance": bool(await monitors_in_maintenance(db, [monitor.id], at=now)),
    }
    return render(request, "monitor.html", context)


@router.get("/monitors/{monitor_id}/chart")
async def monitor_chart(
    request: Request,
    record: ChartMonitor,
    db: SessionDep,
    settings: SettingsDep,
    range: str = DEFAULT_RANGE,
) -> Response:
    """The response-time chart's data for one range, as uPlot's columns (JSON)."""
    if range not in CHART_RANGES:
        message = f"range must be one of {', '.join(CHART_RANGES)}"
        return finish(request, JSONResponse({"error": message}, status_code=400))
    series = await chart_series(
        db,
        monitor_id=record.monitor.id,
        range_name=range,
        now=utcnow(),
        retention_days=settings.retention_days,
        created_at=record.monitor.created_at,
    )
    return finish(request, JSONResponse(series))


@router.post("/monitors/{monitor_id}/pause", dependencies=[CsrfChecked])
async def pause(request: Request, record: EditableMonitor, db: SessionDep) -> Response:
    await monitor_service.pause_monitor(db, monitor=record.monitor)
    return redirect(request, f"/monitors/{record.monitor.id}")


@router.post("/monitors/{monitor_id}/resume", dependencies=[CsrfChecked])
async def resume(request: Request, record: EditableMonitor, db: SessionDep) -> Response:
    await monitor_service.resume_monitor(db, record=record)
    return redirect(request, f"/monitors/{record.monitor.id}")


@router.post("/monitors/{monitor_id}/delete", dependencies=[CsrfChecked])
async def delete(request: Request, record: EditableMonitor, db: SessionDep) -> Response:
    await monitor_service.delete_monitor(db, monitor=record.monitor)
    return redirect(request, "/")
