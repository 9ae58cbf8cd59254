"""Who a request acts as, in which organization, with which role, and whether that role
may do what the route does: the one access check of the API and the dashboard.

A request acts in one organization: the one named by the `X-Organization-Id` header
when given (the dashboard: the one chosen in its switcher, kept in the signed session),
else the one its API token is bound to, else the user's personal organization. Someone
who is not a member of the organization named gets 404, exactly as for an organization
that does not exist; a member whose role does not allow the route's action gets 403
with a message naming both (domain/roles.py).

Every route declares its rule through the dependency it uses: each dependency made
here carries `access_action` (an action of domain/roles.py, or SIGNED_IN for routes
about the caller's own account), which the every-route test reads from the app.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends, Header, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.api.deps import MAX_ID, SIGNED_IN, SessionDep, TokenUser
from betteruptime.api.errors import ApiError, not_found
from betteruptime.db.models import ApiToken, Channel, Incident, User
from betteruptime.domain.audit import Actor
from betteruptime.domain.roles import (
    Action,
    Role,
    Scope,
    allows,
    refusal,
    scope_allows,
    scope_refusal,
)
from betteruptime.services import audit as audit_service
from betteruptime.services import channels as channel_service
from betteruptime.services import incidents as incident_service
from betteruptime.services import maintenance as maintenance_service
from betteruptime.services import monitors as monitor_service
from betteruptime.services import organizations as organization_service
from betteruptime.services import status_pages as page_service

T = TypeVar("T")

HEADER = "X-Organization-Id"
HEADER_HELP = (
    "The id of the organization to act in (one you are a member of). Without it: the "
    "organization the API token is bound to (a sign-in token: your personal one)."
)
OrganizationHeader = Annotated[int | None, Header(alias=HEADER, description=HEADER_HELP)]


@dataclass(frozen=True, slots=True)
class RequestContext:
    """What a request acts as: the user, the organization and their role in it, and the
    API token used (its name and scope; None for a sign-in token or the dashboard)."""

    user: User
    organization_id: int
    role: Role
    token_name: str | None = None
    # `read` or `write` for an organization's API token; None: the member's full role.
    token_scope: str | None = None

    @property
    def actor(self) -> str:
        """Who did it, for the record: the token's name, or the user's email."""
        if self.token_scope is not None and self.token_name:
            return self.token_name
        return self.user.email

    def audit_actor(self, token_id: int | None = None) -> Actor:
        """Who the audit log names: the organization's API token (by name), else the user."""
        if self.token_scope is not None and self.token_name:
            return Actor("token", token_id, self.token_name)
        return Actor("user", self.user.id, self.user.email)

    def _scope_refuses(self, action: str) -> bool:
        scope = cast(Scope | None, self.token_scope)
        return scope is not None and not scope_allows(scope, cast(Action, action))

    def can(self, action: str) -> bool:
        if action == SIGNED_IN:
            return True
        if self._scope_refuses(action):
            return False
        return allows(self.role, action)  # type: ignore[arg-type]

    def refusal(self, action: str) -> str:
        if self._scope_refuses(action) and allows(self.role, action):  # type: ignore[arg-type]
            return scope_refusal(cast(Scope, self.token_scope))
        return refusal(self.role, action).capitalize() + "."  # type: ignore[arg-type]


class NotAMember(Exception):
    """The organization named is not one of the user's (or does not exist)."""


async def resolve_context(
    session: AsyncSession,
    user: User,
    *,
    named: int | None,
    fallback: int | None = None,
) -> RequestContext:
    """The user's context in organization `named` (NotAMember unless they belong to it),
    or when none is named in `fallback` (a token's organization) or their personal one."""
    if named is not None and not 1 <= named <= MAX_ID:
        raise NotAMember
    organization_id = named if named is not None else fallback
    if organization_id is None:
        organization_id = await organization_service.personal_organization_id(session, user=user)
    role = await organization_service.role_in(
        session, organization_id=organization_id, user_id=user.id
    )
    if role is None:
        raise NotAMember
    return RequestContext(user=user, organization_id=organization_id, role=role)


def forbidden(context: RequestContext, action: str) -> ApiError:
    return ApiError(403, "forbidden", context.refusal(action))


def organization_not_found() -> ApiError:
    return not_found("Organization")


async def api_context(
    request: Request, session: AsyncSession, user: User, named: int | None
) -> RequestContext:
    """The API request's context, resolved once per request."""
    cached: RequestContext | None = getattr(request.state, "organization_context", None)
    if cached is not None:
        return cached
    token: ApiToken | None = getattr(request.state, "api_token", None)
    fallback = None if token is None else token.organization_id
    scoped = token is not None and token.scope is not None
    try:
        if scoped and named is not None and named != fallback:
            raise NotAMember  # an organization's token acts in that organization only
        context = await resolve_context(session, user, named=named, fallback=fallback)
    except NotAMember:
        raise organization_not_found() from None
    if token is not None and token.scope is not None:
        context = replace(context, token_name=token.name, token_scope=token.scope)
    request.state.organization_context = context
    attach_actor(request, session, context)
    return context


def attach_actor(request: Request, session: AsyncSession, context: RequestContext) -> None:
    """The changes made through this request's session are recorded as the context's."""
    token = getattr(request.state, "api_token", None)
    client = request.client.host if request.client is not None else None
    actor = context.audit_actor(None if token is None else token.id)
    audit_service.act_as(session, actor, ip=client)


def allowed(action: Action) -> Any:
    """Depends(): the request's context if its role allows `action`; 403 otherwise."""

    async def dependency(
        request: Request,
        session: SessionDep,
        user: TokenUser,
        organization: OrganizationHeader = None,
    ) -> RequestContext:
        context = await api_context(request, session, user, organization)
        if not context.can(action):
            raise forbidden(context, action)
        return context

    dependency.access_action = action  # type: ignore[attr-defined]
    return Depends(dependency)


Lookup = Callable[[AsyncSession, int, int], Awaitable[T | None]]


def owned(action: Action, what: str, param: str, lookup: Lookup[T], description: str) -> Any:
    """Depends(): the object of the request's organization whose id is the path
    parameter `param`, found by `lookup(session, organization_id, id)`. 404 when it is
    not the organization's (missing, or another organization's: they look alike), and
    only then 403 if the role does not allow `action`: a refusal never tells whether an
    id exists elsewhere."""

    async def dependency(
        request: Request,
        session: SessionDep,
        user: TokenUser,
        organization: OrganizationHeader = None,
        **path: int,
    ) -> T:
        context = await api_context(request, session, user, organization)
        object_id = path[param]
        found = None
        if 1 <= object_id <= MAX_ID:
            found = await lookup(session, context.organization_id, object_id)
        if found is None:
            raise not_found(what)
        if not context.can(action):
            raise forbidden(context, action)
        return found

    signature = inspect.signature(dependency)
    parameters = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    parameters.append(
        inspect.Parameter(
            param,
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[int, Path(description=description)],
        )
    )
    dependency.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    dependency.access_action = action  # type: ignore[attr-defined]
    return Depends(dependency)


def member_of(action: Action, *, unless_self: bool = False) -> Any:
    """Depends(): the caller's context in the organization the path names
    (`organization_id`): 404 unless they are a member, 403 unless their role allows
    `action`. With `unless_self`, a path whose `user_id` is the caller's own needs no
    more than membership (leaving an organization)."""

    async def dependency(
        request: Request,
        session: SessionDep,
        user: TokenUser,
        organization_id: Annotated[int, Path(description="The organization's id.")],
    ) -> RequestContext:
        context = await api_context(request, session, user, organization_id)
        own = unless_self and str(request.path_params.get("user_id")) == str(user.id)
        if not own and not context.can(action):
            raise forbidden(context, action)
        return context

    dependency.access_action = action  # type: ignore[attr-defined]
    return Depends(dependency)


# The rules routes declare, one alias per action, shared so each resolves once.
Reader = Annotated[RequestContext, allowed("read")]
MonitorWriter = Annotated[RequestContext, allowed("write_monitors")]
ChannelWriter = Annotated[RequestContext, allowed("write_channels")]
PageWriter = Annotated[RequestContext, allowed("write_status_pages")]
MaintenanceWriter = Annotated[RequestContext, allowed("write_maintenance")]
AuditReader = Annotated[RequestContext, allowed("read_audit_log")]


def _monitor(
    session: AsyncSession, organization_id: int, monitor_id: int
) -> Awaitable[monitor_service.MonitorRecord | None]:
    return monitor_service.get_monitor(
        session, organization_id=organization_id, monitor_id=monitor_id
    )


def _monitor_rule(action: Action) -> Any:
    return owned(action, "Monitor", "monitor_id", _monitor, "The monitor's id.")


ReadableMonitor = Annotated[monitor_service.MonitorRecord, _monitor_rule("read")]
WritableMonitor = Annotated[monitor_service.MonitorRecord, _monitor_rule("write_monitors")]


def _channel(session: AsyncSession, organization_id: int, channel_id: int) -> Awaitable[Any]:
    return channel_service.get_channel(
        session, organization_id=organization_id, channel_id=channel_id
    )


def _incident(session: AsyncSession, organization_id: int, incident_id: int) -> Awaitable[Any]:
    return incident_service.get_incident(
        session, organization_id=organization_id, incident_id=incident_id
    )


def _page(session: AsyncSession, organization_id: int, page_id: int) -> Awaitable[Any]:
    return page_service.get_page(session, organization_id=organization_id, page_id=page_id)


def _window(session: AsyncSession, organization_id: int, window_id: int) -> Awaitable[Any]:
    return maintenance_service.get_window(
        session, organization_id=organization_id, window_id=window_id
    )


WritableChannel = Annotated[
    Channel, owned("write_channels", "Channel", "channel_id", _channel, "The channel's id.")
]
ReadableIncident = Annotated[
    Incident, owned("read", "Incident", "incident_id", _incident, "The incident's id.")
]
AcknowledgeableIncident = Annotated[
    Incident, owned("acknowledge", "Incident", "incident_id", _incident, "The incident's id.")
]
_PAGE = ("Status page", "page_id", _page, "The status page's id.")
ReadablePage = Annotated[page_service.StatusPageRecord, owned("read", *_PAGE)]
WritablePage = Annotated[page_service.StatusPageRecord, owned("write_status_pages", *_PAGE)]
_WINDOW = ("Maintenance window", "window_id", _window, "The maintenance window's id.")
ReadableWindow = Annotated[maintenance_service.WindowRecord, owned("read", *_WINDOW)]
WritableWindow = Annotated[maintenance_service.WindowRecord, owned("write_maintenance", *_WINDOW)]
