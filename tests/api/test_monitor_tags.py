"""Tags and groups through the API: on monitors, as list filters, and bulk actions."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.conftest import CreateMonitor, Headers

MONITORS = "/api/v1/monitors"
BULK = "/api/v1/monitors/bulk"


async def _listed(client: httpx.AsyncClient, headers: Headers, **params: Any) -> list[str]:
    response = await client.get(MONITORS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [monitor["name"] for monitor in response.json()]


async def test_a_monitor_carries_its_tags_sorted_and_its_group(
    client: httpx.AsyncClient, alice: Headers, create_monitor: CreateMonitor
) -> None:
    created = await create_monitor(alice, tags=["web", " prod", "web"], group=" Shop ")

    assert (created["tags"], created["group"]) == (["prod", "web"], "Shop")
    plain = await create_monitor(alice, name="plain")
    assert (plain["tags"], plain["group"]) == ([], None)

    changed = await client.patch(
        f"{MONITORS}/{created['id']}", json={"tags": ["db"], "group": None}, headers=alice
    )
    assert (changed.json()["tags"], changed.json()["group"]) == (["db"], None)
    kept = await client.patch(f"{MONITORS}/{created['id']}", json={"name": "x"}, headers=alice)
    assert kept.json()["tags"] == ["db"]
    fetched = await client.get(f"{MONITORS}/{created['id']}", headers=alice)
    assert fetched.json()["tags"] == ["db"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tags": ["a,b"]}, "tags[0]"),
        ({"tags": ["  "]}, "tags[0]"),
        ({"tags": ["x" * 51]}, "tags[0]"),
        ({"tags": ["line\nbreak"]}, "tags[0]"),
        ({"tags": [f"t{n}" for n in range(21)]}, "tags"),
        ({"tags": None}, "tags"),
        ({"group": ""}, "group"),
        ({"group": "a\tb"}, "group"),
        ({"group": "g" * 101}, "group"),
    ],
)
async def test_bad_tags_and_groups_are_refused_naming_the_field(
    client: httpx.AsyncClient,
    alice: Headers,
    create_monitor: CreateMonitor,
    body: dict[str, Any],
    field: str,
) -> None:
    monitor = await create_monitor(alice)
    response = await client.patch(f"{MONITORS}/{monitor['id']}", json=body, headers=alice)

    assert response.status_code == 422, response.text
    assert field in [detail["field"] for detail in response.json()["details"]]


async def test_the_list_filters_by_tags_group_status_and_text(
    client: httpx.AsyncClient, alice: Headers, bob: Headers, create_monitor: CreateMonitor
) -> None:
    await create_monitor(alice, name="shop api", tags=["prod", "web"], group="Shop")
    await create_monitor(alice, name="shop db", tags=["prod", "db"], group="Shop")
    blog = await create_monitor(alice, name="blog", url="https://blog.example.com/", tags=["web"])
    await create_monitor(bob, name="bob's shop", tags=["prod"], group="Shop")
    await client.post(f"{MONITORS}/{blog['id']}/pause", headers=alice)

    assert await _listed(client, alice, tag="prod") == ["shop api", "shop db"]
    assert await _listed(client, alice, tag=["prod", "web"]) == ["shop api"]
    assert await _listed(client, alice, group="Shop") == ["shop api", "shop db"]
    assert await _listed(client, alice, status="paused") == ["blog"]
    assert await _listed(client, alice, q="BLOG.EXAMPLE") == ["blog"]
    assert await _listed(client, alice, q="shop", tag="db", status="pending") == ["shop db"]
    assert await _listed(client, alice, tag="prod", limit=1, offset=1) == ["shop db"]


@pytest.mark.parametrize(
    "query",
    ["status=sleeping", "tag=a,b", "tag=", "group=", "q=a%01b", f"q={'x' * 201}", "tag=%00"],
)
async def test_bad_filters_are_a_422(client: httpx.AsyncClient, alice: Headers, query: str) -> None:
    response = await client.get(f"{MONITORS}?{query}", headers=alice)

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error"


async def test_a_bulk_pause_by_tag_pauses_exactly_the_tagged_monitors(
    client: httpx.AsyncClient, alice: Headers, bob: Headers, create_monitor: CreateMonitor
) -> None:
    tagged = [(await create_monitor(alice, name=f"t{n}", tags=["batch"]))["id"] for n in range(3)]
    other = await create_monitor(alice, name="other", tags=["keep"])
    bobs = await create_monitor(bob, name="bob's", tags=["batch"])
    await client.post(f"{MONITORS}/{tagged[0]}/pause", headers=alice)

    response = await client.post(BULK, json={"action": "pause", "tag": "batch"}, headers=alice)

    assert response.status_code == 200, response.text
    assert response.json() == {"matched": 3, "changed": 2, "ids": tagged[1:]}
    assert await _listed(client, alice, status="paused") == ["t0", "t1", "t2"]
    assert (await client.get(f"{MONITORS}/{other['id']}", headers=alice)).json()["status"] != (
        "paused"
    )
    assert (await client.get(f"{MONITORS}/{bobs['id']}", headers=bob)).json()["status"] == (
        "pending"
    )

    resumed = await client.post(BULK, json={"action": "resume", "ids": tagged}, headers=alice)
    assert resumed.json() == {"matched": 3, "changed": 3, "ids": tagged}
    assert await _listed(client, alice, status="paused") == []


async def test_another_users_ids_are_a_404_that_changes_nothing(
    client: httpx.AsyncClient, alice: Headers, bob: Headers, create_monitor: CreateMonitor
) -> None:
    mine = (await create_monitor(alice, name="mine"))["id"]
    theirs = (await create_monitor(bob, name="bob-private"))["id"]

    response = await client.post(
        BULK, json={"action": "delete", "ids": [mine, theirs]}, headers=alice
    )

    assert response.status_code == 404
    assert str(theirs) in response.json()["message"]
    assert "bob-private" not in response.text
    assert await _listed(client, alice) == ["mine"]
    assert await _listed(client, bob) == ["bob-private"]


async def test_bulk_tags_and_delete(
    client: httpx.AsyncClient, alice: Headers, create_monitor: CreateMonitor
) -> None:
    ids = [(await create_monitor(alice, name=f"m{n}"))["id"] for n in range(2)]

    added = await client.post(
        BULK, json={"action": "add_tags", "ids": ids, "tags": ["x", "y"]}, headers=alice
    )
    removed = await client.post(
        BULK, json={"action": "remove_tags", "tag": "x", "tags": ["y"]}, headers=alice
    )
    assert added.json()["changed"] == 2 and removed.json()["changed"] == 2
    assert await _listed(client, alice, tag="x") == ["m0", "m1"]
    assert await _listed(client, alice, tag="y") == []

    deleted = await client.post(BULK, json={"action": "delete", "tag": "x"}, headers=alice)
    assert deleted.json() == {"matched": 2, "changed": 2, "ids": ids}
    assert await _listed(client, alice) == []


@pytest.mark.parametrize(
    "body",
    [
        {"action": "pause"},
        {"action": "pause", "ids": [1], "tag": "x"},
        {"action": "pause", "ids": []},
        {"action": "pause", "ids": list(range(1, 1002))},
        {"action": "pause", "ids": [0]},
        {"action": "pause", "tag": "x", "tags": ["y"]},
        {"action": "add_tags", "tag": "x"},
        {"action": "add_tags", "tag": "x", "tags": []},
        {"action": "archive", "tag": "x"},
        {"action": "pause", "tag": "a,b"},
    ],
)
async def test_a_bad_bulk_body_is_a_422(
    client: httpx.AsyncClient, alice: Headers, body: dict[str, Any]
) -> None:
    response = await client.post(BULK, json=body, headers=alice)

    assert response.status_code == 422, response.text
