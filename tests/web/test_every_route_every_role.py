"""Every route of the app (API and dashboard, read from `app.routes`, never listed by
hand) has an access rule, and the rule holds for every role and for a non-member.

A route's rule is what its dependencies declare (`access_action`, api/access.py), or it
is listed in PUBLIC below: a route with neither fails here. Then, for the owner, an
admin, an editor and a viewer of a team, and for someone outside it, each route is
called on the team's objects with plausible input: a role the rule allows is never
answered 403 (nor 404: the objects are there), a role it does not allow gets 403, and the
outsider gets 404, never 403, as for objects that do not exist.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select

from api.conftest import Headers
from api.tenancy import create_owned_objects
from betteruptime.api.deps import SIGNED_IN
from betteruptime.db.models import Membership, User
from betteruptime.db.session import SessionFactory
from betteruptime.domain.roles import ROLES, SCOPES, allows, scope_allows
from betteruptime.services import tokens
from testkit.receivers import WebhookReceiver
from web.conftest import OpenBrowser, csrf_token

# Open to anyone by design: the rule table's "public" entries, by prefix or exact path.
PUBLIC_PREFIXES = (
    "/ping/",  # heartbeat pings: the secret token is the credential
    "/status/",  # public status pages and their JSON twin
    "/badge/",  # SVG badges
    "/static",  # the dashboard's assets
    # An invitation's page and its Accept: the link's secret token is the credential
    # (accepting needs a sign-in, whoever it is).
    "/invitations/",
)
PUBLIC_PATHS = {
    "/healthz",
    "/metrics",  # BETTERUPTIME_METRICS_TOKEN, an operator's secret, when set
    "/docs",
    "/openapi.json",
    "/api/v1/auth/signup",
    "/api/v1/auth/token",
    "/login",
    "/login/totp",
    "/login/oidc",
    "/signup",
    "/logout",
}
_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")
OUTSIDER = "outsider"
EMAILS = {
    "owner": "alice@example.com",
    "admin": "bob@example.com",
    "editor": "carol@example.com",
    "viewer": "dave@example.com",
    OUTSIDER: "eve@example.com",
}
TARGET = "frank@example.com"  # the member whose role the member routes change
_slugs = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Rule:
    method: str
    path: str
    actions: frozenset[str]  # every one must be allowed; empty: public

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(_PARAM.findall(self.path))

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def destructive(self) -> bool:
        return self.method == "DELETE" or self.path.endswith(("/delete", "/remove"))

    def allows(self, role: str) -> bool:
        return all(a == SIGNED_IN or allows(role, a) for a in self.actions)  # type: ignore[arg-type]


def _declared(dependant: Dependant) -> Iterator[str]:
    action = getattr(dependant.call, "access_action", None)
    if action is not None:
        yield action
    for sub in dependant.dependencies:
        yield from _declared(sub)


def route_rules(app: FastAPI) -> tuple[list[Rule], list[str]]:
    """Every method of every route with its rule, and the routes that have none."""
    rules, missing = [], []
    for context in iter_route_contexts(app.routes):
        path, route = context.path, context.original_route
        if path is None or path.startswith(PUBLIC_PREFIXES) or path in PUBLIC_PATHS:
            continue
        actions = frozenset(_declared(route.dependant)) if isinstance(route, APIRoute) else None
        for method in sorted((context.methods or set()) - {"HEAD", "OPTIONS"}):
            if not actions:
                missing.append(f"{method} {path}")
            else:
                rules.append(Rule(method, path, actions))
    return rules, missing


def test_every_route_has_an_access_rule(app: FastAPI) -> None:
    rules, missing = route_rules(app)

    assert not missing, (
        "routes with no access rule: declare one with a dependency of api/access.py "
        "(or web/deps.py), or list the route as public in this test: " + ", ".join(missing)
    )
    assert len(rules) > 60


@dataclass(slots=True)
class Team:
    organization_id: int
    ids: dict[str, int]
    api: dict[str, Headers]
    browsers: dict[str, httpx.AsyncClient]


async def _member(sessions: SessionFactory, organization_id: int, email: str, role: str) -> int:
    async with sessions() as session, session.begin():
        user = (await session.scalars(select(User).where(User.email == email))).one()
        if await session.get(Membership, (organization_id, user.id)) is None:
            session.add(Membership(organization_id=organization_id, user_id=user.id, role=role))
        return user.id


async def _token(sessions: SessionFactory, email: str) -> Headers:
    """Sign-in token of a user who signed up in a browser (sign-ups are rate limited)."""
    async with sessions() as session:
        user = (await session.scalars(select(User).where(User.email == email))).one()
        token, _ = await tokens.issue_token(session, user=user, ttl_days=1)
    return {"Authorization": f"Bearer {token}"}


async def _objects(
    client: httpx.AsyncClient, team: Team, sessions: SessionFactory, webhook: WebhookReceiver
) -> None:
    """Fresh objects of every kind in the team, and the target member back in it."""
    owner = team.api["owner"]
    tag = f"team{next(_slugs)}"
    owned = await create_owned_objects(client, owner, sessions, email=EMAILS["owner"], tag=tag)
    channel = await client.post(
        "/api/v1/channels", json={"name": "local", "url": webhook.url()}, headers=owner
    )
    team.ids.update({name: ids[0] for name, ids in owned.ids.items()})
    team.ids["channel_id"] = channel.json()["id"]
    team.ids["user_id"] = await _member(sessions, team.organization_id, TARGET, "viewer")


@pytest.fixture
async def team(
    client: httpx.AsyncClient,
    open_browser: OpenBrowser,
    sessions: SessionFactory,
    webhook: WebhookReceiver,
) -> Team:
    browsers = {role: await open_browser(email) for role, email in EMAILS.items()}
    await open_browser(TARGET)
    api = {role: await _token(sessions, email) for role, email in EMAILS.items()}
    made = await client.post("/api/v1/organizations", json={"name": "Team"}, headers=api["owner"])
    organization_id = made.json()["id"]
    for role in ROLES[1:]:
        await _member(sessions, organization_id, EMAILS[role], role)
    team = Team(
        organization_id,
        {"organization_id": organization_id},
        {role: {**h, "X-Organization-Id": str(organization_id)} for role, h in api.items()},
        browsers,
    )
    await _objects(client, team, sessions, webhook)
    return team


def _api_body(rule: Rule) -> dict[str, Any] | None:
    later = datetime.now(UTC) + timedelta(days=30)
    bodies: dict[tuple[str, str], Callable[[], dict[str, Any]]] = {
        ("POST", "/monitors"): lambda: {"name": "new", "url": "https://new.example/"},
        ("PATCH", "/monitors/{monitor_id}"): lambda: {"name": "renamed"},
        ("POST", "/channels"): lambda: {"name": "c", "url": "json://hooks.example.com/x"},
        ("POST", "/maintenance-windows"): lambda: {
            "name": "w",
            "starts_at": later.isoformat(),
            "ends_at": (later + timedelta(hours=1)).isoformat(),
            "monitor_ids": [],
        },
        ("PATCH", "/maintenance-windows/{window_id}"): lambda: {"name": "renamed"},
        ("POST", "/status-pages"): lambda: {
            "slug": f"page-{next(_slugs)}",
            "title": "t",
            "monitor_ids": [],
        },
        ("PATCH", "/status-pages/{page_id}"): lambda: {"title": "renamed"},
        ("PATCH", "/organizations/{organization_id}"): lambda: {"name": "Renamed"},
        ("PATCH", "/organizations/{organization_id}/members/{user_id}"): lambda: {"role": "viewer"},
        ("POST", "/organizations/{organization_id}/invitations"): lambda: {
            "email": "new@example.com",
            "role": "viewer",
        },
        ("POST", "/organizations/{organization_id}/api-tokens"): lambda: {
            "name": "ci",
            "scope": "read",
        },
    }
    make = bodies.get((rule.method, rule.path.removeprefix("/api/v1")))
    return make() if make else None


def _form(rule: Rule) -> dict[str, str]:
    forms: dict[str, Callable[[], dict[str, str]]] = {
        "/monitors/new": lambda: {"name": "new", "kind": "http", "url": "https://new.example/"},
        "/monitors/{monitor_id}/edit": lambda: {"name": "renamed"},
        "/channels": lambda: {"name": "c", "url": "json://hooks.example.com/x"},
        "/status-pages/new": lambda: {"slug": f"form-{next(_slugs)}", "title": "t"},
        "/status-pages/{page_id}/edit": lambda: {"slug": f"form-{next(_slugs)}", "title": "t"},
        "/organizations/new": lambda: {"name": "Another"},
        "/organization/members/{user_id}/role": lambda: {"role": "viewer"},
        "/organization/invitations": lambda: {"email": "new@example.com", "role": "viewer"},
        "/organization/api-tokens": lambda: {"name": "ci", "scope": "read"},
    }
    return forms.get(rule.path, dict)() if rule.method == "POST" else {}


async def _call(rule: Rule, who: str, team: Team) -> int:
    path = _PARAM.sub(lambda found: str(team.ids[found.group(1)]), rule.path)
    if rule.api:
        client = team.browsers[who]  # any client of the app; the token says who
        body = _api_body(rule)
        response = await client.request(rule.method, path, json=body, headers=team.api[who])
        return response.status_code
    browser = team.browsers[who]
    token = csrf_token((await browser.get("/account")).text)
    if who != OUTSIDER:  # the switcher: the pages show the team from now on
        switched = await browser.post(
            "/organizations/switch",
            data={"csrf_token": token, "organization_id": str(team.organization_id)},
        )
        assert switched.status_code == 303, switched.text
    if rule.method == "GET":
        return (await browser.get(path)).status_code
    form = {"csrf_token": token, **_form(rule)}
    return (await browser.post(path, data=form)).status_code


def _order(rule: Rule) -> tuple[bool, bool, str, str]:
    # Deleting the organization last of all, other deletions after everything else.
    last = rule.method == "DELETE" and rule.path.endswith("{organization_id}")
    return (last, rule.destructive, rule.path, rule.method)


async def test_each_role_gets_what_the_rule_says_and_an_outsider_gets_404(
    app: FastAPI,
    client: httpx.AsyncClient,
    team: Team,
    sessions: SessionFactory,
    webhook: WebhookReceiver,
) -> None:
    rules, _ = route_rules(app)
    wrong: list[str] = []
    tried = 0
    for rule in sorted(rules, key=_order):
        if rule.actions == {SIGNED_IN} and rule.method != "GET":
            continue  # the caller's own account (password, sign-in tokens): any user
        if rule.destructive:
            await _objects(client, team, sessions, webhook)
        outsider_applies = rule.api or bool(rule.params)
        if outsider_applies and rule.actions != {SIGNED_IN}:
            status = await _call(rule, OUTSIDER, team)
            tried += 1
            if status != 404:
                wrong.append(f"{rule.method} {rule.path} as a non-member: {status}, not 404")
        done = False
        for role in reversed(ROLES):  # viewer first: a deletion by an allowed role is last
            if done:
                break
            status = await _call(rule, role, team)
            tried += 1
            if rule.allows(role):
                if status in (403, 404) or status >= 500:
                    wrong.append(f"{rule.method} {rule.path} as {role}: {status}, allowed")
                done = rule.destructive
            elif status != 403:
                wrong.append(f"{rule.method} {rule.path} as {role}: {status}, not 403")

    assert not wrong, "\n".join(wrong)
    assert tried > 250


def _token_allows(rule: Rule, scope: str) -> bool:
    """Whether an organization's token of `scope` (made by the owner) passes the rule:
    never on routes about an account alone, else as its scope and the owner's role allow."""
    actions = rule.actions - {SIGNED_IN}
    return bool(actions) and all(
        allows("owner", a) and scope_allows(scope, a)  # type: ignore[arg-type]
        for a in actions
    )


async def test_a_read_token_is_refused_every_write_and_a_write_token_access_management(
    app: FastAPI,
    client: httpx.AsyncClient,
    team: Team,
    sessions: SessionFactory,
    webhook: WebhookReceiver,
) -> None:
    owner = team.api["owner"]
    scoped = {}
    for scope in SCOPES:
        made = await client.post(
            f"/api/v1/organizations/{team.organization_id}/api-tokens",
            json={"name": scope, "scope": scope},
            headers=owner,
        )
        scoped[scope] = {"Authorization": f"Bearer {made.json()['token']}"}
    rules, _ = route_rules(app)
    wrong: list[str] = []
    writes = 0
    for rule in sorted((r for r in rules if r.api), key=_order):
        if rule.destructive:
            await _objects(client, team, sessions, webhook)
        for scope in SCOPES:  # read first: a deletion by the write token comes last
            # An invitation's {token} too: an organization's token may not accept one.
            path = _PARAM.sub(lambda found: str(team.ids.get(found.group(1), 1)), rule.path)
            response = await client.request(
                rule.method, path, json=_api_body(rule), headers=scoped[scope]
            )
            status = response.status_code
            if _token_allows(rule, scope):
                if status in (401, 403, 404) or status >= 500:
                    wrong.append(f"{rule.method} {rule.path} with a {scope} token: {status}")
            elif status != 403:
                wrong.append(f"{rule.method} {rule.path} with a {scope} token: {status}, not 403")
        writes += rule.method != "GET"

    assert not wrong, "\n".join(wrong)
    assert writes > 30
