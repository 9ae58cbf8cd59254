"""The dashboard's side of api/access.py: the organization a page shows (the one chosen
in the top bar's switcher, kept in the signed session) and the signed-in user's role
there, the rule each page declares (`access_action`), and the organization's object a
path names. A refused page is a 403 page saying why; another organization's object is
the 404 page, as a missing one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.api.access import RequestContext, attach_actor, resolve_context
from betteruptime.api.deps import SessionDep
from betteruptime.db.models import Channel, Incident, User
from betteruptime.domain.roles import Action
from betteruptime.services import channels as channel_service
from betteruptime.services import incidents as incident_service
from betteruptime.services import maintenance as maintenance_service
from betteruptime.services import monitors as monitor_service
from betteruptime.services import organizations as organization_service
from betteruptime.services import status_pages as page_service
from betteruptime.web.deps import NotFound, PageUser, current_session, path_id, set_session

T = TypeVar("T")


class Forbidden(Exception):
    """The member's role does not allow what the page does: answered with a 403 page
    (or JSON for a data route) saying so."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def page_context(request: Request, db: AsyncSession, user: User) -> RequestContext:
    """The organization the dashboard shows: the one chosen in the switcher (kept in
    the signed session) while the user is still a member of it, else their personal
    one. Resolved once per request, in one query that also lists their organizations
    for the switcher."""
    cached: RequestContext | None = getattr(request.state, "web_context", None)
    if cached is not None:
        return cached
    session = current_session(request)
    mine = await organization_service.list_for_user(db, user_id=user.id)
    chosen = next((o for o in mine if o.organization.id == session.organization_id), None)
    if chosen is None:
        if session.organization_id is not None:  # removed from it since it was chosen
            set_session(request, replace(session, organization_id=None))
        chosen = next(
            (
                o
                for o in mine
                if o.organization.personal and o.organization.created_by_id == user.id
            ),
            None,
        )
    if chosen is None:  # a user made some other way than sign-up: made now
        context = await resolve_context(db, user, named=None)
        mine = await organization_service.list_for_user(db, user_id=user.id)
    else:
        context = RequestContext(
            user=user, organization_id=chosen.organization.id, role=chosen.role
        )
    request.state.web_context = context
    request.state.web_organizations = mine
    attach_actor(request, db, context)
    return context


def page_allowed(action: Action) -> Any:
    """Depends(): the page's organization context if the role allows `action`; a 403
    page naming role and action otherwise."""

    async def dependency(request: Request, db: SessionDep, user: PageUser) -> RequestContext:
        context = await page_context(request, db, user)
        if not context.can(action):
            raise Forbidden(context.refusal(action))
        return context

    dependency.access_action = action  # type: ignore[attr-defined]
    return Depends(dependency)


PageReader = Annotated[RequestContext, page_allowed("read")]
PageMonitorWriter = Annotated[RequestContext, page_allowed("write_monitors")]
PageChannelWriter = Annotated[RequestContext, page_allowed("write_channels")]
PagePageWriter = Annotated[RequestContext, page_allowed("write_status_pages")]
PageMaintenanceWriter = Annotated[RequestContext, page_allowed("write_maintenance")]


Lookup = Callable[[AsyncSession, int, int], Awaitable[T | None]]


def owned(
    what: str, param: str, lookup: Lookup[T], *, action: Action = "read", as_json: bool = False
) -> Any:
    """The dependency that gives a view the object of the page's organization whose id
    is the path parameter `param`, found by `lookup(session, organization_id, id)`;
    :class:`NotFound` when the id is not a number, missing or another organization's,
    and only then :class:`Forbidden` unless the role allows `action`. The views'
    "owned object or 404" in one place, as the API's (api/access.py) is there."""

    async def dependency(request: Request, db: SessionDep, user: PageUser) -> T:
        context = await page_context(request, db, user)
        # Read from the path rather than declared as a parameter: its name differs per
        # route, and a string annotation (this module's __future__ import) cannot name it.
        found_id = path_id(request.path_params[param])
        found = None if found_id is None else await lookup(db, context.organization_id, found_id)
        if found is None:
            raise NotFound(what, as_json=as_json)
        if not context.can(action):
            raise Forbidden(context.refusal(action))
        return found

    dependency.access_action = action  # type: ignore[attr-defined]
    return Depends(dependency)


def _monitor(
    db: AsyncSession, owner: int, found: int
) -> Awaitable[monitor_service.MonitorRecord | None]:
    return monitor_service.get_monitor(db, organization_id=owner, monitor_id=found)


PageMonitor = Annotated[monitor_service.MonitorRecord, owned("monitor", "monitor_id", _monitor)]
EditableMonitor = Annotated[
    monitor_service.MonitorRecord,
    owned("monitor", "monitor_id", _monitor, action="write_monitors"),
]
# The chart's data is fetched by the page's script: a JSON 404, not a page.
ChartMonitor = Annotated[
    monitor_service.MonitorRecord, owned("monitor", "monitor_id", _monitor, as_json=True)
]


def _channel(db: AsyncSession, organization: int, found: int) -> Awaitable[Channel | None]:
    return channel_service.get_channel(db, organization_id=organization, channel_id=found)


def _incident(db: AsyncSession, organization: int, found: int) -> Awaitable[Incident | None]:
    return incident_service.get_incident(db, organization_id=organization, incident_id=found)


def _page(
    db: AsyncSession, organization: int, found: int
) -> Awaitable[page_service.StatusPageRecord | None]:
    return page_service.get_page(db, organization_id=organization, page_id=found)


EditableChannel = Annotated[
    Channel, owned("channel", "channel_id", _channel, action="write_channels")
]
PageIncident = Annotated[Incident, owned("incident", "incident_id", _incident)]
AcknowledgeableIncident = Annotated[
    Incident, owned("incident", "incident_id", _incident, action="acknowledge")
]
EditableStatusPage = Annotated[
    page_service.StatusPageRecord,
    owned("status page", "page_id", _page, action="write_status_pages"),
]


def _window(
    db: AsyncSession, organization: int, found: int
) -> Awaitable[maintenance_service.WindowRecord | None]:
    return maintenance_service.get_window(db, organization_id=organization, window_id=found)


EditableWindow = Annotated[
    maintenance_service.WindowRecord,
    owned("maintenance window", "window_id", _window, action="write_maintenance"),
]
