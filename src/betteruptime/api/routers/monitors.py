"""Monitors of the request's organization, with their checks and statistics.

Every monitor answered carries its `warnings`, judged against the regions whose workers
are alive now (one small query per request)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from betteruptime.api.access import (
    MonitorWriter,
    ReadableMonitor,
    Reader,
    RequestContext,
    WritableMonitor,
)
from betteruptime.api.deps import MAX_ID, BaseUrl, SessionDep, SettingsDep
from betteruptime.api.errors import ApiError, ErrorBody
from betteruptime.domain.quorum import region_warnings
from betteruptime.domain.rollups import WINDOWS
from betteruptime.domain.tags import MAX_TAGS
from betteruptime.domain.workers import LiveRegions as LiveWorkers
from betteruptime.schemas.checks import CheckPublic, StatsPublic, StatsWindow
from betteruptime.schemas.instants import Instant
from betteruptime.schemas.monitor_bulk import MonitorBulk, MonitorBulkResult
from betteruptime.schemas.monitor_fields import Group, MonitorStatus, Tag
from betteruptime.schemas.monitors import MonitorCreate, MonitorPublic, MonitorUpdate
from betteruptime.schemas.text import Line
from betteruptime.services import checks as check_service
from betteruptime.services import monitor_bulk as bulk_service
from betteruptime.services import monitors as monitor_service
from betteruptime.services import stats as stats_service
from betteruptime.services.monitor_filters import MonitorFilter
from betteruptime.services.regions import live_workers

MAX_QUERY_LENGTH = 200

router = APIRouter(
    prefix="/monitors",
    tags=["monitors"],
    responses={
        401: {"model": ErrorBody, "description": "Missing or invalid token."},
        404: {"model": ErrorBody, "description": "No such monitor of yours."},
        422: {"model": ErrorBody, "description": "Invalid input; `details` names each field."},
    },
)


async def _live_workers(session: SessionDep) -> LiveWorkers:
    return await live_workers(session)


LiveRegions = Annotated[LiveWorkers, Depends(_live_workers)]


def _public(
    record: monitor_service.MonitorRecord,
    base_url: str,
    live: LiveWorkers,
    context: RequestContext | None = None,
) -> MonitorPublic:
    """The monitor as answered; its secrets only to a role that may see them (those
    who may change monitors always may)."""
    monitor = record.monitor
    warnings = region_warnings(
        monitor.kind,
        monitor.regions,
        live=live.for_kind(monitor.kind),
        min_failed=monitor.min_failed_regions,
    )
    secrets = context is None or context.can("read_secrets")
    return MonitorPublic.from_row(
        monitor, record.state, record.channel_rules, base_url, warnings=warnings, secrets=secrets
    )


@router.get("")
async def list_monitors(
    base_url: BaseUrl,
    live: LiveRegions,
    session: SessionDep,
    context: Reader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    tag: Annotated[
        list[Tag], Query(max_length=MAX_TAGS, description="Repeatable: monitors with all of them.")
    ] = [],  # noqa: B006 (FastAPI copies defaults)
    group: Annotated[Group | None, Query(description="Monitors of this group.")] = None,
    status: Annotated[MonitorStatus | None, Query(description="Monitors in this status.")] = None,
    q: Annotated[
        Line | None,
        Query(max_length=MAX_QUERY_LENGTH, description="Text in the name or the URL, any case."),
    ] = None,
) -> list[MonitorPublic]:
    """The organization's monitors, ordered by id; those that match every filter given."""
    filters = MonitorFilter(tags=tag, group=group, status=status, query=q)
    records = await monitor_service.list_monitors(
        session,
        organization_id=context.organization_id,
        limit=limit,
        offset=offset,
        filters=filters,
    )
    return [_public(record, base_url, live, context) for record in records]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_monitor(
    base_url: BaseUrl,
    live: LiveRegions,
    data: MonitorCreate,
    session: SessionDep,
    settings: SettingsDep,
    context: MonitorWriter,
) -> MonitorPublic:
    """Create a monitor; checks start within about a second, status `pending` until then."""
    record = await monitor_service.create_monitor(
        session, organization_id=context.organization_id, data=data, settings=settings
    )
    return _public(record, base_url, live)


@router.post(
    "/bulk",
    responses={
        404: {"model": ErrorBody, "description": "Some ids are not monitors of the organization."}
    },
)
async def bulk_action(
    data: MonitorBulk, session: SessionDep, context: MonitorWriter
) -> MonitorBulkResult:
    """Pause, resume, delete, or add or remove tags of many monitors at once: those
    named by `ids`, or every one of the organization's with `tag`. One transaction: all or nothing.
    Pausing, resuming and deleting are exactly those of a single monitor."""
    try:
        outcome = await bulk_service.apply_bulk(
            session, organization_id=context.organization_id, bulk=data
        )
    except bulk_service.MonitorsNotFoundError as error:
        raise ApiError(404, "not_found", str(error)) from None
    return MonitorBulkResult(
        matched=outcome.matched, changed=len(outcome.changed), ids=outcome.changed
    )


# `:id` (api/deps.py): /monitors/bulk is its own resource, not a monitor whose id is "bulk".
@router.get("/{monitor_id:id}")
async def get_monitor(
    base_url: BaseUrl, live: LiveRegions, record: ReadableMonitor, context: Reader
) -> MonitorPublic:
    return _public(record, base_url, live, context)


@router.patch("/{monitor_id:id}")
async def update_monitor(
    base_url: BaseUrl,
    live: LiveRegions,
    changes: MonitorUpdate,
    record: WritableMonitor,
    session: SessionDep,
    settings: SettingsDep,
) -> MonitorPublic:
    """Change the fields sent. The whole monitor must still be valid afterwards
    (for example timeout_seconds below interval_seconds)."""
    await monitor_service.update_monitor(session, record=record, changes=changes, settings=settings)
    return _public(record, base_url, live)


@router.delete("/{monitor_id:id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_monitor(record: WritableMonitor, session: SessionDep) -> Response:
    """Delete the monitor with its checks, statistics and incidents."""
    await monitor_service.delete_monitor(session, monitor=record.monitor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{monitor_id}/pause")
async def pause_monitor(
    base_url: BaseUrl, live: LiveRegions, record: WritableMonitor, session: SessionDep
) -> MonitorPublic:
    """Stop checking; status becomes `paused`."""
    await monitor_service.pause_monitor(session, monitor=record.monitor)
    return _public(record, base_url, live)


@router.post("/{monitor_id}/resume")
async def resume_monitor(
    base_url: BaseUrl, live: LiveRegions, record: WritableMonitor, session: SessionDep
) -> MonitorPublic:
    """Check again, starting from `pending` (what was known before the pause is stale)."""
    await monitor_service.resume_monitor(session, record=record)
    return _public(record, base_url, live)


@router.get("/{monitor_id}/checks")
async def list_checks(
    record: ReadableMonitor,
    session: SessionDep,
    since: Annotated[
        Instant | None, Query(description="ISO 8601; inclusive. No offset means UTC.")
    ] = None,
    until: Annotated[
        Instant | None, Query(description="ISO 8601; exclusive. No offset means UTC.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[CheckPublic]:
    """Check results, newest first. `since`, `until` and the order apply to `due_at`
    (when a check was scheduled, which the checks index covers), not `checked_at`."""
    rows = await check_service.list_checks(
        session,
        monitor_id=record.monitor.id,
        since=since,
        until=until,
        limit=limit,
    )
    return [CheckPublic.from_row(row) for row in rows]


@router.get("/{monitor_id}/stats")
async def get_stats(
    record: ReadableMonitor,
    session: SessionDep,
    window: Annotated[StatsWindow, Query(description="How far back to look.")] = "24h",
) -> StatsPublic:
    """Uptime and response times over whole hours (24h, 7d) or whole UTC days (30d, 90d),
    the current one included, computed from rollups."""
    aggregate = await stats_service.window_aggregate(
        session, monitor_id=record.monitor.id, window=WINDOWS[window]
    )
    return StatsPublic.from_aggregate(window, aggregate)
