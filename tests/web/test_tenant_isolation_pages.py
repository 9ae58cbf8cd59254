"""Tenant isolation for every dashboard page: user B's browser gets the 404 page for
user A's objects, exactly as for missing ones, changes none of them, and no page of
B's lists them. Routes come from the app (tests/api/tenancy.py)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from api.conftest import Headers
from api.tenancy import MARK, Owned, RouteCall, create_owned_objects, declared_routes, snapshot
from betteruptime.api.app import API_PREFIX
from betteruptime.db.session import SessionFactory
from web.conftest import Browser, OpenBrowser, csrf_token

# Not the dashboard: the operator's endpoints and the API's own description.
NOT_PAGES = {"/healthz", "/openapi.json", "/docs"}
# /metrics is for the operator's Prometheus and shows every user's monitors by design
# (README, "GET /metrics"); it is not a page of a user's dashboard.
OPERATOR_ONLY = {"/metrics"}
# Plausible form fields for any form: the owner is looked up before the form is read.
FORM = {"name": "taken over", "title": "taken over", "url": "https://example.com/"}


def page_routes(app: FastAPI) -> list[RouteCall]:
    return [
        route
        for route in declared_routes(app)
        if not route.path.startswith(API_PREFIX) and route.path not in NOT_PAGES | OPERATOR_ONLY
    ]


@pytest.fixture
async def owned(client: httpx.AsyncClient, alice: Headers, sessions: SessionFactory) -> Owned:
    return await create_owned_objects(client, alice, sessions, email="alice@example.com", tag=MARK)


@pytest.fixture
async def bob(open_browser: OpenBrowser) -> Browser:
    """B, signed in through the dashboard's own forms."""
    return await open_browser("bob@example.com")


async def test_another_users_object_is_the_404_page_on_every_dashboard_route(
    client: httpx.AsyncClient, app: FastAPI, alice: Headers, owned: Owned, bob: Browser
) -> None:
    before = await snapshot(client, app, owned, alice)
    form = {"csrf_token": csrf_token((await bob.get("/")).text), **FORM}
    leaks: list[str] = []
    tried = 0
    for route in page_routes(app):
        if not route.params:
            continue
        data = form if route.method == "POST" else None
        missing = await bob.request(route.method, owned.missing(route), data=data)
        assert missing.status_code == 404, f"{route.method} {route.path}: {missing.text}"
        for path in owned.fill(route):
            tried += 1
            response = await bob.request(route.method, path, data=data)
            if response.status_code != 404 or response.text != missing.text:
                leaks.append(f"{route.method} {path}: {response.status_code}")

    assert leaks == []
    assert tried >= 10, "the pages with ids were not found: is the enumeration broken?"
    assert await snapshot(client, app, owned, alice) == before


async def test_no_dashboard_page_shows_another_users_objects(
    app: FastAPI, owned: Owned, bob: Browser
) -> None:
    pages = [r for r in page_routes(app) if r.method == "GET" and not r.params]

    for route in pages:
        response = await bob.get(route.path)
        # 303: a page for another step (such as a second sign-in factor) sends B away.
        assert response.status_code in (200, 303), route.path
        assert MARK not in response.text, f"{route.path} shows A's objects"
    assert {"/", "/channels", "/incidents", "/status-pages", "/monitors/new"} <= {
        route.path for route in pages
    }
