"""What the tenant-isolation tests share: the app's routes as declared, and user A's
objects (one of every kind) whose ids fill those routes' path parameters.

Routes are read from `app.routes`, never listed by hand, so a route added later is
covered without anyone remembering to add it here; one with a path parameter nobody
knows how to fill (and not declared public below) fails the tests instead of being
skipped quietly.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from api.conftest import PASSWORD, Headers
from betteruptime.api.app import API_PREFIX
from betteruptime.db.models import CheckScreenshot, Incident
from betteruptime.db.session import SessionFactory

# Every name of A's objects contains this: a B response that mentions it leaks A's data.
MARK = "alice-private"
# An id no object of any kind has in these tests (they create a handful of each).
MISSING_ID = 987_654
# Public by design (the monitored service's own users, or the cron job pinging, reach
# them without an account): isolation does not apply, so they are skipped, by prefix.
PUBLIC_PREFIXES = (
    "/ping/",  # heartbeat pings: the secret token is the credential
    "/status/",  # public status pages and their JSON twin, by slug
    "/badge/",  # SVG badges, embedded in READMEs
    "/static",  # the dashboard's assets
    # Accepting an invitation: whoever holds the link may, whatever organization they
    # are in (the link's secret token is the credential, as for pings).
    "/api/v1/invitations/",
    "/invitations/",
)
_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")
_SKIPPED_METHODS = {"HEAD", "OPTIONS"}  # HEAD mirrors GET; OPTIONS is CORS plumbing


@dataclass(frozen=True, slots=True)
class RouteCall:
    """One method of one declared route."""

    method: str
    path: str  # the template, such as /api/v1/monitors/{monitor_id}
    params: tuple[str, ...]
    takes_body: bool


def declared_routes(app: FastAPI) -> list[RouteCall]:
    """Every method of every route of the app, public ones left out."""
    calls: list[RouteCall] = []
    for context in iter_route_contexts(app.routes):
        if context.path is None or context.path.startswith(PUBLIC_PREFIXES):
            continue
        path = _PARAM.sub(r"{\1}", context.path)  # {monitor_id:int} as {monitor_id}
        original = context.original_route
        takes_body = isinstance(original, APIRoute) and original.body_field is not None
        params = tuple(_PARAM.findall(path))
        for method in sorted((context.methods or set()) - _SKIPPED_METHODS):
            calls.append(RouteCall(method, path, params, takes_body))
    return calls


def api_routes(app: FastAPI) -> list[RouteCall]:
    return [route for route in declared_routes(app) if route.path.startswith(API_PREFIX)]


@dataclass(slots=True)
class Owned:
    """User A's objects, by the path parameter that names each kind."""

    ids: dict[str, list[int]] = field(default_factory=dict)

    def fill(self, route: RouteCall) -> Iterator[str]:
        """The route's path with A's ids, one path per combination of A's objects."""
        unknown = [name for name in route.params if name not in self.ids]
        if unknown:
            raise LookupError(
                f"{route.method} {route.path}: no known object for {unknown}; add one of "
                "user A's objects of that kind to tests/api/tenancy.py (or, if the route "
                "is public by design, its prefix to PUBLIC_PREFIXES)"
            )
        for values in itertools.product(*(self.ids[name] for name in route.params)):
            yield _substitute(route.path, dict(zip(route.params, values, strict=True)))

    def missing(self, route: RouteCall) -> str:
        """The route's path with ids no object has."""
        return _substitute(route.path, dict.fromkeys(route.params, MISSING_ID))


def _substitute(template: str, values: dict[str, int]) -> str:
    return _PARAM.sub(lambda found: str(values[found.group(1)]), template)


async def create_owned_objects(
    client: httpx.AsyncClient, headers: Headers, sessions: SessionFactory, *, email: str, tag: str
) -> Owned:
    """One object of every kind for the user of `headers`, named with `tag`."""

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await client.post(f"{API_PREFIX}{path}", json=body, headers=headers)
        assert response.status_code in (200, 201), response.text
        created: dict[str, Any] = response.json()
        return created

    channel = await post("/channels", {"name": f"{tag} hook", "url": "json://hooks.example.com/a"})
    monitor = await post(
        "/monitors",
        {"name": f"{tag} api", "url": "https://example.com/", "channel_ids": [channel["id"]]},
    )
    heartbeat = await post(
        "/monitors", {"name": f"{tag} backup", "kind": "heartbeat", "period_seconds": 3600}
    )
    now = datetime.now(UTC).replace(microsecond=0)
    window = await post(
        "/maintenance-windows",
        {
            "name": f"{tag} upgrade",
            # In the future, so whether it is active does not change during the test.
            "starts_at": (now + timedelta(days=30)).isoformat(),
            "ends_at": (now + timedelta(days=31)).isoformat(),
            "monitor_ids": [monitor["id"]],
        },
    )
    page = await post(
        "/status-pages",
        {"slug": f"{tag}-page", "title": f"{tag} status", "monitor_ids": [monitor["id"]]},
    )
    await post("/auth/token", {"email": email, "password": PASSWORD, "name": f"{tag} token"})
    tokens = await client.get(f"{API_PREFIX}/auth/tokens", headers=headers)
    me = (await client.get(f"{API_PREFIX}/auth/me", headers=headers)).json()
    organizations = (await client.get(f"{API_PREFIX}/organizations", headers=headers)).json()
    acting_in = headers.get("X-Organization-Id")
    organization = next(
        o["id"]
        for o in organizations
        if str(o["id"]) == acting_in or (not acting_in and o["personal"])
    )
    invitation = await post(
        f"/organizations/{organization}/invitations",
        {"email": f"{tag}-invitee@example.com", "role": "viewer"},
    )
    api_token = await post(
        f"/organizations/{organization}/api-tokens", {"name": f"{tag} ci", "scope": "read"}
    )
    async with sessions() as session, session.begin():
        incident = Incident(monitor_id=monitor["id"], started_at=now, cause=f"{tag} outage")
        session.add(incident)
        # A browser check's failure screenshot (only the ingester stores them).
        shot = CheckScreenshot(monitor_id=monitor["id"], due_at=now, region="eu", image=b"jpeg")
        session.add(shot)
        await session.flush()
        incident_id, screenshot_id = incident.id, shot.id
    return Owned(
        ids={
            "monitor_id": [monitor["id"], heartbeat["id"]],
            "channel_id": [channel["id"]],
            "window_id": [window["id"]],
            "page_id": [page["id"]],
            # Every token of A, the one A is using included: revoking it would show.
            "token_id": [row["id"] for row in tokens.json()],
            "incident_id": [incident_id],
            # The organization they were made in, and the user as its member.
            "organization_id": [organization],
            "user_id": [me["id"]],
            "screenshot_id": [screenshot_id],
            "invitation_id": [invitation["id"]],
            "api_token_id": [api_token["id"]],
        }
    )


async def snapshot(
    client: httpx.AsyncClient, app: FastAPI, owned: Owned, headers: Headers
) -> dict[str, tuple[int, Any]]:
    """Every GET of the API, with A's ids, as A sees it: compared before and after."""
    seen: dict[str, tuple[int, Any]] = {}
    for route in api_routes(app):
        if route.method == "GET":
            for path in owned.fill(route):
                response = await client.get(path, headers=headers)
                seen[path] = (response.status_code, response.json())
    return seen
