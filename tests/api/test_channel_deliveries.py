"""How a channel's deliveries went, on the channel itself, and the limits on test messages
(each one is a real message to a real webhook)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from testkit.receivers import WebhookReceiver

Create = Callable[..., Awaitable[dict[str, Any]]]
CHANNELS = "/api/v1/channels"
SECRET = "Sup3rSecretPw"


async def _listed(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    (channel,) = (await client.get(CHANNELS, headers=headers)).json()
    result: dict[str, Any] = channel
    return result


async def test_a_test_refused_for_good_is_said_so_and_shown_on_the_channel_masked(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_channel: Create,
    webhook: WebhookReceiver,
) -> None:
    webhook.always_fail, webhook.fail_status = True, 404
    url = f"json://hookuser:{SECRET}@127.0.0.1:{webhook.port}/hook"
    channel = await create_channel(alice, url=url)

    tested = await client.post(f"{CHANNELS}/{channel['id']}/test", headers=alice)

    assert tested.status_code == 200
    result = tested.json()
    assert result["delivered"] is False and result["permanent"] is True
    assert result["error"].startswith("HTTP 404 Not Found")
    shown = await _listed(client, alice)
    failure = shown["last_failure"]
    assert (failure["permanent"], failure["still_failing"]) == (True, True)
    assert failure["error"] == result["error"] and failure["at"]
    assert shown["last_delivered_at"] is None
    assert SECRET not in tested.text and SECRET not in str(shown)


async def test_a_later_delivery_leaves_the_failure_listed_but_no_longer_current(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_channel: Create,
    webhook: WebhookReceiver,
) -> None:
    webhook.fail_first, webhook.fail_status = 1, 503
    channel = await create_channel(alice, url=webhook.url())

    failed = await client.post(f"{CHANNELS}/{channel['id']}/test", headers=alice)
    delivered = await client.post(f"{CHANNELS}/{channel['id']}/test", headers=alice)

    assert failed.json()["permanent"] is False and delivered.json()["delivered"] is True
    shown = await _listed(client, alice)
    assert shown["last_delivered_at"] >= shown["last_failure"]["at"]
    assert shown["last_failure"]["still_failing"] is False
    assert shown["last_failure"]["permanent"] is False


async def test_a_channel_takes_five_test_messages_a_minute_then_429_with_retry_after(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_channel: Create,
    webhook: WebhookReceiver,
) -> None:
    channel = await create_channel(alice, url=webhook.url())
    other = await create_channel(alice, url=webhook.url("other"))
    test = f"{CHANNELS}/{channel['id']}/test"

    answers = [await client.post(test, headers=alice) for _ in range(6)]

    assert [answer.status_code for answer in answers] == [200] * 5 + [429]
    refused = answers[-1]
    assert refused.json()["error"] == "too_many_test_messages"
    assert refused.json()["message"].startswith("Too many test messages; try again in")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert len(webhook.received) == 5  # the refused one was not sent
    # Another channel of the same user still has its own five.
    assert (await client.post(f"{CHANNELS}/{other['id']}/test", headers=alice)).status_code == 200


async def test_a_user_sends_at_most_twenty_test_messages_a_minute_across_channels(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    bob: dict[str, str],
    create_channel: Create,
    webhook: WebhookReceiver,
) -> None:
    mine = [await create_channel(alice, url=webhook.url(f"c{n}")) for n in range(5)]
    statuses = [
        (await client.post(f"{CHANNELS}/{channel['id']}/test", headers=alice)).status_code
        for channel in mine
        for _ in range(5)
    ]

    assert statuses == [200] * 20 + [429] * 5
    bobs = await create_channel(bob, url=webhook.url("bob"))
    assert (await client.post(f"{CHANNELS}/{bobs['id']}/test", headers=bob)).status_code == 200
