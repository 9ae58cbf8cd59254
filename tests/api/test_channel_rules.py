"""Per-channel rules on monitors (events, escalation delay), reminders, and the channel
test endpoint sending a real message to a local webhook."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from testkit.receivers import WebhookReceiver
from testkit.waiting import free_port

Create = Callable[..., Awaitable[dict[str, Any]]]
MONITORS = "/api/v1/monitors"
CHANNELS = "/api/v1/channels"


async def test_a_monitor_takes_channel_rules_and_shows_them_with_the_ids(
    client: httpx.AsyncClient, alice: dict[str, str], create_channel: Create, create_monitor: Create
) -> None:
    chat, sms = [(await create_channel(alice))["id"] for _ in range(2)]
    rules = [
        {"channel_id": sms, "events": ["down", "acknowledged", "down"], "delay_minutes": 5},
        {"channel_id": chat},
    ]

    monitor = await create_monitor(alice, channel_rules=rules, remind_every_minutes=30)

    assert monitor["channel_ids"] == [chat, sms]
    assert monitor["channel_rules"] == [
        {
            "channel_id": chat,
            "events": ["down", "up", "reminder", "acknowledged"],
            "delay_minutes": 0,
        },
        {"channel_id": sms, "events": ["down", "acknowledged"], "delay_minutes": 5},
    ]
    assert monitor["remind_every_minutes"] == 30
    url = f"{MONITORS}/{monitor['id']}"
    patched = await client.patch(
        url, json={"channel_ids": [sms], "remind_every_minutes": None}, headers=alice
    )
    assert patched.json()["channel_rules"] == [
        {
            "channel_id": sms,
            "events": ["down", "up", "reminder", "acknowledged"],
            "delay_minutes": 0,
        }
    ]
    assert patched.json()["remind_every_minutes"] is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"channel_ids": [1], "channel_rules": [{"channel_id": 1}]}, "body"),
        ({"channel_rules": [{"channel_id": 1}, {"channel_id": 1, "delay_minutes": 3}]}, "body"),
        ({"channel_rules": [{"channel_id": 1, "events": ["sideways"]}]}, "channel_rules"),
        ({"channel_rules": [{"channel_id": 1, "events": []}]}, "channel_rules"),
        ({"channel_rules": [{"channel_id": 1, "delay_minutes": 1441}]}, "channel_rules"),
        ({"channel_rules": [{"channel_id": 1, "delay_minutes": -1}]}, "channel_rules"),
        ({"channel_rules": [{"channel_id": 1, "extra": True}]}, "channel_rules"),
        ({"channel_rules": [{"channel_id": 99}]}, "channel_rules"),
        ({"remind_every_minutes": 0}, "remind_every_minutes"),
        ({"remind_every_minutes": "5"}, "remind_every_minutes"),
    ],
)
async def test_it_refuses_bad_rules_naming_the_field(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_channel: Create,
    fields: dict[str, Any],
    field: str,
) -> None:
    assert (await create_channel(alice))["id"] == 1
    body = {"name": "shop", "url": "https://shop.example.com/", **fields}

    response = await client.post(MONITORS, json=body, headers=alice)

    assert response.status_code == 422, response.text
    assert response.json()["details"][0]["field"].startswith(field)
    assert (await client.get(MONITORS, headers=alice)).json() == []


async def test_the_test_endpoint_sends_a_real_message(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_channel: Create,
    webhook: WebhookReceiver,
) -> None:
    channel = await create_channel(alice, name="ops hook", url=webhook.url())

    response = await client.post(f"{CHANNELS}/{channel['id']}/test", headers=alice)

    assert response.status_code == 200
    assert response.json() == {"delivered": True, "error": None, "permanent": False}
    (message,) = webhook.received
    assert message.title == "[TEST] BetterUptime" and "ops hook" in message.message


async def test_the_test_endpoint_reports_a_failure_without_the_secret(
    client: httpx.AsyncClient, alice: dict[str, str], create_channel: Create
) -> None:
    url = f"json://hookuser:Sup3rSecretPw@127.0.0.1:{free_port()}/hook"
    channel = await create_channel(alice, url=url)

    response = await client.post(f"{CHANNELS}/{channel['id']}/test", headers=alice)

    assert response.status_code == 200
    result = response.json()
    assert result["delivered"] is False and result["error"]
    assert "Sup3rSecretPw" not in response.text


async def test_only_the_owner_can_test_a_channel(
    client: httpx.AsyncClient, alice: dict[str, str], bob: dict[str, str], create_channel: Create
) -> None:
    channel = await create_channel(alice)

    response = await client.post(f"{CHANNELS}/{channel['id']}/test", headers=bob)

    assert response.status_code == 404
