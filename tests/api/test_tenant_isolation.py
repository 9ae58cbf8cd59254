"""Tenant isolation for every API route: user B, signed in, meets user A's objects
exactly as missing ones (404), changes none of them, and lists none of them.

The routes come from the app itself (tests/api/tenancy.py), so a new route is covered
as soon as it exists, and one whose path parameter the test cannot fill fails here.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.conftest import Headers, Login
from api.tenancy import (
    MARK,
    MISSING_ID,
    Owned,
    RouteCall,
    api_routes,
    create_owned_objects,
    snapshot,
)
from betteruptime.api.app import API_PREFIX
from betteruptime.db.session import SessionFactory

ALICE = "alice@example.com"
# A plausible, valid body for each route that takes one: an invalid body is refused
# (422) before ownership is looked at, which would prove nothing.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", "/monitors/{monitor_id}"): {"name": "taken over", "paused": True},
    ("PATCH", "/maintenance-windows/{window_id}"): {"name": "taken over"},
    ("PATCH", "/status-pages/{page_id}"): {"title": "taken over", "monitor_ids": []},
    ("PATCH", "/organizations/{organization_id}"): {"name": "taken over"},
    ("PATCH", "/organizations/{organization_id}/members/{user_id}"): {"role": "viewer"},
    ("POST", "/organizations/{organization_id}/invitations"): {
        "email": "bob@example.com",
        "role": "owner",
    },
    ("POST", "/organizations/{organization_id}/api-tokens"): {"name": "mine", "scope": "write"},
}
# Lists that are per user, and the kind of object each lists.
LISTS = {
    "/monitors": "monitor_id",
    "/channels": "channel_id",
    "/incidents": "incident_id",
    "/maintenance-windows": "window_id",
    "/status-pages": "page_id",
    "/auth/tokens": "token_id",
}


def body_for(route: RouteCall) -> dict[str, Any] | None:
    if not route.takes_body:
        return None
    key = (route.method, route.path.removeprefix(API_PREFIX))
    assert key in BODIES, f"{route.method} {route.path} takes a body: add a plausible one"
    return BODIES[key]


@pytest.fixture
async def owned(client: httpx.AsyncClient, alice: Headers, sessions: SessionFactory) -> Owned:
    return await create_owned_objects(client, alice, sessions, email=ALICE, tag=MARK)


@pytest.fixture
async def bob_with_objects(
    client: httpx.AsyncClient, login: Login, sessions: SessionFactory
) -> Headers:
    """B owns objects of every kind too, so B's lists are filtered, not merely empty."""
    headers = await login("bob@example.com")
    await create_owned_objects(client, headers, sessions, email="bob@example.com", tag="bob")
    return headers


async def test_another_users_object_answers_like_a_missing_one_on_every_route(
    client: httpx.AsyncClient, app: FastAPI, owned: Owned, alice: Headers, bob: Headers
) -> None:
    before = await snapshot(client, app, owned, alice)
    leaks: list[str] = []
    tried = 0
    for route in api_routes(app):
        if not route.params:
            continue
        body = body_for(route)
        missing = await client.request(route.method, owned.missing(route), json=body, headers=bob)
        for path in owned.fill(route):
            tried += 1
            response = await client.request(route.method, path, json=body, headers=bob)
            if response.status_code != 404 or response.json() != missing.json():
                leaks.append(f"{route.method} {path}: {response.status_code} {response.text}")

    assert leaks == []
    assert tried >= 20, "the routes with ids were not found: is the enumeration broken?"
    assert await snapshot(client, app, owned, alice) == before


async def test_no_list_shows_another_users_objects(
    client: httpx.AsyncClient, app: FastAPI, owned: Owned, bob_with_objects: Headers
) -> None:
    lists = [r for r in api_routes(app) if r.method == "GET" and not r.params]
    for route in lists:
        response = await client.get(route.path, headers=bob_with_objects)
        assert response.status_code == 200, f"{route.path}: {response.text}"
        # Whatever the list, nothing of A's is named in it...
        assert MARK not in response.text, f"{route.path} shows A's objects"
        kind = LISTS.get(route.path.removeprefix(API_PREFIX))
        if kind is not None:
            # ... and no item of it is one of A's (incidents and tokens carry no name).
            listed = {item["id"] for item in response.json()}
            assert listed and not listed & set(owned.ids[kind]), route.path
    assert {r.path.removeprefix(API_PREFIX) for r in lists} >= LISTS.keys()


async def test_filtering_a_list_by_another_users_monitor_answers_not_found(
    client: httpx.AsyncClient, owned: Owned, bob: Headers
) -> None:
    for monitor_id in owned.ids["monitor_id"]:
        query = {"monitor_id": monitor_id}
        response = await client.get(f"{API_PREFIX}/incidents", params=query, headers=bob)
        missing = await client.get(
            f"{API_PREFIX}/incidents", params={"monitor_id": MISSING_ID}, headers=bob
        )
        assert response.status_code == 404
        assert response.json() == missing.json()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/monitors", {"name": "x", "url": "https://example.com/", "channel_ids": ["channel_id"]}),
        ("/status-pages", {"slug": "bobs", "title": "Bob", "monitor_ids": ["monitor_id"]}),
        (
            "/maintenance-windows",
            {
                "name": "x",
                "starts_at": "2030-01-01T00:00:00Z",
                "ends_at": "2030-01-02T00:00:00Z",
                "monitor_ids": ["monitor_id"],
            },
        ),
    ],
)
async def test_a_user_cannot_link_another_users_objects_to_their_own(
    client: httpx.AsyncClient,
    app: FastAPI,
    owned: Owned,
    alice: Headers,
    bob: Headers,
    path: str,
    body: dict[str, Any],
) -> None:
    # The placeholders name the kind of A's object to reference.
    filled = {
        key: [owned.ids[kind][0] for kind in value] if isinstance(value, list) else value
        for key, value in body.items()
    }
    before = await snapshot(client, app, owned, alice)

    response = await client.post(f"{API_PREFIX}{path}", json=filled, headers=bob)

    assert response.status_code == 422, response.text
    assert "of yours" in response.text
    assert await snapshot(client, app, owned, alice) == before


def test_a_route_with_an_id_nobody_knows_how_to_fill_fails_the_tests() -> None:
    app = FastAPI()

    @app.get("/api/v1/widgets/{widget_id}")
    async def widget(widget_id: int) -> int:
        return widget_id

    (route,) = api_routes(app)
    with pytest.raises(LookupError, match="widget_id"):
        list(Owned(ids={"monitor_id": [1]}).fill(route))
