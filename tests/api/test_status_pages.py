"""Status pages through the API: CRUD, validation, slug conflicts and ownership."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.conftest import CreateMonitor, Headers

PAGES = "/api/v1/status-pages"


async def create(client: httpx.AsyncClient, headers: Headers, **body: Any) -> Any:
    response = await client.post(
        PAGES, json={"slug": "acme", "title": "Acme", **body}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_page_is_created_listed_read_changed_and_deleted(
    client: httpx.AsyncClient, alice: Headers, create_monitor: CreateMonitor
) -> None:
    api, web = await create_monitor(alice, name="API"), await create_monitor(alice, name="Web")

    page = await create(client, alice, monitor_ids=[web["id"], api["id"], web["id"]])

    assert page["slug"] == "acme" and page["title"] == "Acme"
    assert page["monitor_ids"] == [web["id"], api["id"]]  # in the order given, once each
    assert page["url"] == "http://test/status/acme"
    assert (await client.get(PAGES, headers=alice)).json() == [page]
    assert (await client.get(f"{PAGES}/{page['id']}", headers=alice)).json() == page

    changed = await client.patch(
        f"{PAGES}/{page['id']}",
        json={"title": "  Acme Inc.  ", "slug": "acme-inc", "monitor_ids": [api["id"]]},
        headers=alice,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["title"], body["slug"], body["monitor_ids"]) == (
        "Acme Inc.",
        "acme-inc",
        [api["id"]],
    )
    assert (await client.get("/status/acme")).status_code == 404
    assert (await client.get("/status/acme-inc")).status_code == 200

    deleted = await client.delete(f"{PAGES}/{page['id']}", headers=alice)
    assert deleted.status_code == 204
    assert (await client.get(f"{PAGES}/{page['id']}", headers=alice)).status_code == 404
    assert (await client.get("/status/acme-inc")).status_code == 404
    assert (await client.get(f"/api/v1/monitors/{api['id']}", headers=alice)).status_code == 200


async def test_a_page_without_monitors_is_allowed(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    page = await create(client, alice)
    assert page["monitor_ids"] == []


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"slug": "ab"}, "slug", "3 to 64"),
        ({"slug": "a" * 65}, "slug", "3 to 64"),
        ({"slug": "Acme"}, "slug", "lowercase"),
        ({"slug": "acme status"}, "slug", "lowercase"),
        ({"slug": "acme/x"}, "slug", "lowercase"),
        ({"slug": "-acme"}, "slug", "hyphen"),
        ({"slug": 123}, "slug", "string"),
        ({"title": ""}, "title", "at least 1"),
        ({"title": "   "}, "title", "at least 1"),
        ({"title": "x" * 201}, "title", "at most 200"),
        ({"monitor_ids": [0]}, "monitor_ids[0]", "greater than or equal to 1"),
        ({"monitor_ids": ["1"]}, "monitor_ids[0]", "integer"),
        ({"monitor_ids": "1"}, "monitor_ids", "list"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
async def test_invalid_fields_are_refused_with_the_field_named(
    client: httpx.AsyncClient, alice: Headers, body: dict[str, Any], field: str, words: str
) -> None:
    response = await client.post(
        PAGES, json={"slug": "acme", "title": "Acme", **body}, headers=alice
    )

    assert response.status_code == 422, response.text
    details = response.json()["details"]
    assert any(d["field"] == field and words in d["message"] for d in details), details


async def test_missing_fields_are_named(client: httpx.AsyncClient, alice: Headers) -> None:
    response = await client.post(PAGES, json={}, headers=alice)

    assert response.status_code == 422
    fields = {d["field"]: d["message"] for d in response.json()["details"]}
    assert fields == {"slug": "this field is required", "title": "this field is required"}


async def test_patch_refuses_null_for_a_field(client: httpx.AsyncClient, alice: Headers) -> None:
    page = await create(client, alice)

    response = await client.patch(f"{PAGES}/{page['id']}", json={"title": None}, headers=alice)

    assert response.status_code == 422
    assert "may not be null" in response.json()["details"][0]["message"]


async def test_a_taken_slug_is_a_409_for_create_and_change(
    client: httpx.AsyncClient, alice: Headers, bob: Headers
) -> None:
    await create(client, alice)
    bobs = await create(client, bob, slug="bobs")

    taken = await client.post(PAGES, json={"slug": "acme", "title": "Mine"}, headers=bob)
    moved = await client.patch(f"{PAGES}/{bobs['id']}", json={"slug": "acme"}, headers=bob)

    for response in (taken, moved):
        assert response.status_code == 409, response.text
        assert response.json()["error"] == "slug_taken"
        assert "acme" in response.json()["message"]
    same = await client.patch(f"{PAGES}/{bobs['id']}", json={"slug": "bobs"}, headers=bob)
    assert same.status_code == 200


async def test_monitors_must_be_the_callers_own(
    client: httpx.AsyncClient, alice: Headers, bob: Headers, create_monitor: CreateMonitor
) -> None:
    alices = await create_monitor(alice, name="Alice private")
    bobs_monitor = await create_monitor(bob, name="Bob's")

    for ids in ([alices["id"]], [bobs_monitor["id"], 999999]):
        response = await client.post(
            PAGES, json={"slug": "bobs", "title": "Bob", "monitor_ids": ids}, headers=bob
        )
        assert response.status_code == 422, response.text
        detail = response.json()["details"][0]
        assert detail["field"] == "monitor_ids"
        assert "no monitor of yours" in detail["message"]
        assert str(bobs_monitor["id"]) not in detail["message"].split(":")[1]
    page = await create(client, bob, slug="bobs", monitor_ids=[bobs_monitor["id"]])
    attach = await client.patch(
        f"{PAGES}/{page['id']}", json={"monitor_ids": [alices["id"]]}, headers=bob
    )
    assert attach.status_code == 422
    assert (await client.get(f"{PAGES}/{page['id']}", headers=bob)).json()["monitor_ids"] == [
        bobs_monitor["id"]
    ]


async def test_another_users_page_is_not_found_for_read_change_and_delete(
    client: httpx.AsyncClient, alice: Headers, bob: Headers
) -> None:
    page = await create(client, alice)
    url = f"{PAGES}/{page['id']}"

    responses = [
        await client.get(url, headers=bob),
        await client.patch(url, json={"title": "Owned"}, headers=bob),
        await client.delete(url, headers=bob),
        await client.get(f"{PAGES}/999999", headers=bob),
        await client.get(f"{PAGES}/{2**40}", headers=bob),
    ]

    for response in responses:
        assert response.status_code == 404, response.text
        assert response.json() == {"error": "not_found", "message": "Status page not found."}
    assert (await client.get(PAGES, headers=bob)).json() == []
    assert (await client.get(url, headers=alice)).json()["title"] == "Acme"


async def test_status_pages_need_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get(PAGES)).status_code == 401
    assert (await client.post(PAGES, json={"slug": "acme", "title": "A"})).status_code == 401


async def test_deleting_a_monitor_takes_it_off_its_pages(
    client: httpx.AsyncClient, alice: Headers, create_monitor: CreateMonitor
) -> None:
    kept, gone = await create_monitor(alice, name="Kept"), await create_monitor(alice, name="Gone")
    page = await create(client, alice, monitor_ids=[gone["id"], kept["id"]])

    await client.delete(f"/api/v1/monitors/{gone['id']}", headers=alice)

    assert (await client.get(f"{PAGES}/{page['id']}", headers=alice)).json()["monitor_ids"] == [
        kept["id"]
    ]
