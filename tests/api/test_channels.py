"""Notification channels: created, listed and deleted by their owner, never shown whole."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from betteruptime.db.models import Channel, MonitorChannel
from betteruptime.db.session import SessionFactory
from testkit.channel_urls import SERVICE_URLS

CHANNELS = "/api/v1/channels"
MONITORS = "/api/v1/monitors"
Create = Callable[..., Awaitable[dict[str, Any]]]

WEBHOOK = "json://hooks.example.com/alerts"


async def test_it_creates_lists_and_deletes_a_channel(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    created = await client.post(CHANNELS, json={"name": "Ops", "url": WEBHOOK}, headers=alice)

    assert created.status_code == 201
    channel = created.json()
    assert set(channel) == {
        "id",
        "name",
        "url",
        "created_at",
        "last_delivered_at",
        "last_failure",
    }
    assert channel["last_delivered_at"] is None and channel["last_failure"] is None
    assert (channel["name"], channel["url"]) == ("Ops", "json://hooks.example.com/al***")
    assert (await client.get(CHANNELS, headers=alice)).json() == [channel]

    deleted = await client.delete(f"{CHANNELS}/{channel['id']}", headers=alice)

    assert deleted.status_code == 204
    assert (await client.get(CHANNELS, headers=alice)).json() == []


async def test_it_refuses_a_url_apprise_cannot_use_and_names_the_field(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await client.post(
        CHANNELS, json={"name": "Broken", "url": "slack://OnlyOneS3cretToken"}, headers=alice
    )

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert body["details"][0]["field"] == "url"
    assert "Apprise cannot use this slack:// URL" in body["details"][0]["message"]
    assert "OnlyOneS3cretToken" not in response.text


async def test_it_refuses_an_unknown_service(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await client.post(
        CHANNELS, json={"name": "Nope", "url": "carrierpigeon://coop/1"}, headers=alice
    )

    assert response.status_code == 422
    assert response.json()["details"] == [
        {
            "field": "url",
            "message": '"carrierpigeon://" is not a notification service Apprise knows',
        }
    ]


async def test_it_requires_a_name_and_a_url(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await client.post(CHANNELS, json={"name": ""}, headers=alice)

    assert response.status_code == 422
    assert {detail["field"] for detail in response.json()["details"]} == {"name", "url"}


@pytest.mark.parametrize(("url", "secrets"), SERVICE_URLS)
async def test_no_secret_of_the_url_appears_in_any_response(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    sessions: SessionFactory,
    url: str,
    secrets: list[str],
) -> None:
    created = await client.post(CHANNELS, json={"name": "Secret", "url": url}, headers=alice)
    listed = await client.get(CHANNELS, headers=alice)

    assert created.status_code == 201, created.text
    for secret in secrets:
        assert secret not in created.text
        assert secret not in listed.text
    assert "***" in created.json()["url"]
    async with sessions() as session:
        stored = await session.scalar(select(Channel.url))
    assert stored == url  # the notifier needs it whole


async def test_channels_are_only_their_owners(
    client: httpx.AsyncClient, alice: dict[str, str], bob: dict[str, str], create_channel: Create
) -> None:
    mine = await create_channel(alice)

    assert (await client.get(CHANNELS, headers=bob)).json() == []
    as_bob = await client.delete(f"{CHANNELS}/{mine['id']}", headers=bob)
    missing = await client.delete(f"{CHANNELS}/{mine['id'] + 1000}", headers=bob)
    too_big = await client.delete(f"{CHANNELS}/{2**40}", headers=bob)

    assert as_bob.status_code == missing.status_code == too_big.status_code == 404
    assert (
        as_bob.json() == missing.json() == {"error": "not_found", "message": "Channel not found."}
    )
    assert (await client.get(CHANNELS, headers=alice)).json() == [mine]


async def test_channels_need_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get(CHANNELS)).status_code == 401
    assert (await client.post(CHANNELS, json={"name": "x", "url": WEBHOOK})).status_code == 401


async def test_a_monitor_links_channels_on_create_patch_get_and_list(
    client: httpx.AsyncClient, alice: dict[str, str], create_channel: Create, create_monitor: Create
) -> None:
    first, second, third = [(await create_channel(alice))["id"] for _ in range(3)]

    monitor = await create_monitor(alice, channel_ids=[third, first, first])
    assert monitor["channel_ids"] == [first, third]
    url = f"{MONITORS}/{monitor['id']}"
    assert (await client.get(url, headers=alice)).json()["channel_ids"] == [first, third]

    patched = await client.patch(url, json={"channel_ids": [second]}, headers=alice)
    assert patched.json()["channel_ids"] == [second]
    renamed = await client.patch(url, json={"name": "kept links"}, headers=alice)
    assert renamed.json()["channel_ids"] == [second]
    listed = (await client.get(MONITORS, headers=alice)).json()
    assert [m["channel_ids"] for m in listed] == [[second]]

    cleared = await client.patch(url, json={"channel_ids": []}, headers=alice)
    assert cleared.json()["channel_ids"] == []


async def test_a_monitor_has_no_channels_by_default(
    alice: dict[str, str], create_monitor: Create
) -> None:
    assert (await create_monitor(alice))["channel_ids"] == []


async def test_another_users_channel_cannot_be_linked_and_looks_like_a_missing_one(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    bob: dict[str, str],
    create_channel: Create,
    create_monitor: Create,
) -> None:
    theirs = (await create_channel(alice))["id"]
    missing = theirs + 1000
    monitor = await create_monitor(bob)
    body = {"name": "Bob's", "url": "https://example.com/"}

    on_create = await client.post(MONITORS, json={**body, "channel_ids": [theirs]}, headers=bob)
    on_patch = await client.patch(
        f"{MONITORS}/{monitor['id']}", json={"channel_ids": [theirs]}, headers=bob
    )
    absent = await client.post(MONITORS, json={**body, "channel_ids": [missing]}, headers=bob)

    assert on_create.status_code == on_patch.status_code == absent.status_code == 422
    detail = on_create.json()["details"][0]
    assert detail["field"] == "channel_ids"
    assert detail == {**absent.json()["details"][0], "message": detail["message"]}
    assert str(theirs) in detail["message"]
    assert (await client.get(f"{MONITORS}/{monitor['id']}", headers=bob)).json()[
        "channel_ids"
    ] == []
    assert len((await client.get(MONITORS, headers=bob)).json()) == 1


async def test_channel_ids_may_not_be_null_on_patch(
    client: httpx.AsyncClient, alice: dict[str, str], create_monitor: Create
) -> None:
    monitor = await create_monitor(alice)

    response = await client.patch(
        f"{MONITORS}/{monitor['id']}", json={"channel_ids": None}, headers=alice
    )

    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "channel_ids"


async def test_deleting_a_channel_removes_its_links(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_channel: Create,
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    kept, dropped = (await create_channel(alice))["id"], (await create_channel(alice))["id"]
    monitor = await create_monitor(alice, channel_ids=[kept, dropped])

    await client.delete(f"{CHANNELS}/{dropped}", headers=alice)

    fetched = (await client.get(f"{MONITORS}/{monitor['id']}", headers=alice)).json()
    assert fetched["channel_ids"] == [kept]
    async with sessions() as session:
        links = await session.scalar(select(func.count()).select_from(MonitorChannel))
    assert links == 1


async def test_deleting_a_monitor_removes_its_links_but_keeps_the_channels(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_channel: Create,
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    channel = await create_channel(alice)
    monitor = await create_monitor(alice, channel_ids=[channel["id"]])

    await client.delete(f"{MONITORS}/{monitor['id']}", headers=alice)

    async with sessions() as session:
        links = await session.scalar(select(func.count()).select_from(MonitorChannel))
    assert links == 0
    assert (await client.get(CHANNELS, headers=alice)).json() == [channel]
