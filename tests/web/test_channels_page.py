"""The channels page: the list with masked URLs, adding, test messages and deleting."""

from __future__ import annotations

from typing import Any

import httpx

from api.conftest import CreateMonitor, Headers
from testkit.receivers import WebhookReceiver
from testkit.waiting import free_port
from web.conftest import OpenBrowser, post_form

API = "/api/v1/channels"
SECRET = "Sup3rSecretToken"


async def _add(browser: httpx.AsyncClient, name: str, url: str) -> str:
    """Add a channel with the form; its id."""
    await post_form(browser, "/channels", "/channels", name=name, url=url)
    page = (await browser.get("/channels")).text
    return page.split('action="/channels/')[1].split("/")[0]


async def _channels(client: httpx.AsyncClient, headers: Headers) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = (await client.get(API, headers=headers)).json()
    return result


async def test_a_channel_added_with_the_form_is_listed_with_its_secrets_masked(
    open_browser: OpenBrowser, client: httpx.AsyncClient, alice: Headers
) -> None:
    browser = await open_browser("alice@example.com")
    url = f"slack://{SECRET}/AnotherToken/ThirdTokenX/#ops"

    added = await post_form(browser, "/channels", "/channels", name="Ops chat", url=url)

    assert added.status_code == 303 and added.headers["location"] == "/channels"
    (channel,) = await _channels(client, alice)
    assert channel["name"] == "Ops chat"
    page = (await browser.get("/channels")).text
    assert "Channel “Ops chat” added." in page
    assert "Ops chat" in page and channel["url"] in page and SECRET not in page
    assert f'action="/channels/{channel["id"]}/test"' in page
    assert f'action="/channels/{channel["id"]}/delete"' in page and "data-confirm=" in page
    assert 'href="/channels"' in page  # the nav link


async def test_a_refused_channel_shows_the_services_message_by_the_field_without_the_url(
    open_browser: OpenBrowser, client: httpx.AsyncClient, alice: Headers
) -> None:
    browser = await open_browser("alice@example.com")

    unknown = await post_form(
        browser, "/channels", "/channels", name="Kept name", url=f"nope://{SECRET}@x"
    )
    unusable = await post_form(browser, "/channels", "/channels", name="Kept", url="slack://")
    nameless = await post_form(browser, "/channels", "/channels", name="", url="json://a.b/c")

    assert unknown.status_code == unusable.status_code == nameless.status_code == 422
    assert 'id="url-error"' in unknown.text and "is not a notification service" in unknown.text
    assert 'value="Kept name"' in unknown.text and SECRET not in unknown.text
    assert 'id="url-error"' in unusable.text and "Apprise cannot use" in unusable.text
    assert 'id="name-error"' in nameless.text and "at least 1 character" in nameless.text
    assert await _channels(client, alice) == []


async def test_send_test_delivers_to_the_webhook_and_says_so(
    open_browser: OpenBrowser, webhook: WebhookReceiver
) -> None:
    browser = await open_browser("alice@example.com")
    await post_form(browser, "/channels", "/channels", name="Local hook", url=webhook.url())
    page = (await browser.get("/channels")).text
    channel_id = page.split('action="/channels/')[1].split("/")[0]

    sent = await post_form(browser, "/channels", f"/channels/{channel_id}/test")

    assert sent.status_code == 303 and sent.headers["location"] == "/channels"
    (message,) = webhook.received
    assert message.title == "[TEST] BetterUptime" and "Local hook" in message.message
    shown = (await browser.get("/channels")).text
    assert 'class="flash flash-ok"' in shown and "Test message sent to “Local hook”." in shown
    assert "Test message sent" not in (await browser.get("/channels")).text  # shown once


async def test_a_failed_test_is_reported_without_the_secret(open_browser: OpenBrowser) -> None:
    browser = await open_browser("alice@example.com")
    url = f"json://hookuser:{SECRET}@127.0.0.1:{free_port()}/hook"
    await post_form(browser, "/channels", "/channels", name="Dead hook", url=url)
    page = (await browser.get("/channels")).text
    channel_id = page.split('action="/channels/')[1].split("/")[0]

    await post_form(browser, "/channels", f"/channels/{channel_id}/test")

    shown = (await browser.get("/channels")).text
    assert 'class="flash flash-error"' in shown and "test message to “Dead hook” failed" in shown
    assert SECRET not in shown


async def test_deleting_a_channel_unlinks_it(
    open_browser: OpenBrowser,
    client: httpx.AsyncClient,
    alice: Headers,
    create_channel: CreateMonitor,
    create_monitor: CreateMonitor,
) -> None:
    channel = await create_channel(alice, name="Old hook")
    monitor = await create_monitor(alice, channel_ids=[channel["id"]])
    browser = await open_browser("alice@example.com")

    deleted = await post_form(browser, "/channels", f"/channels/{channel['id']}/delete")

    assert deleted.status_code == 303
    assert await _channels(client, alice) == []
    linked = (await client.get(f"/api/v1/monitors/{monitor['id']}", headers=alice)).json()
    assert linked["channel_ids"] == []
    assert "Channel “Old hook” deleted." in (await browser.get("/channels")).text


async def test_another_users_channel_looks_missing_and_csrf_is_required(
    open_browser: OpenBrowser,
    client: httpx.AsyncClient,
    alice: Headers,
    create_channel: CreateMonitor,
) -> None:
    channel = await create_channel(alice, name="Alice hook")
    bob = await open_browser("bob@example.com")
    assert "Alice hook" not in (await bob.get("/channels")).text
    for action in ("test", "delete"):
        for channel_id in (channel["id"], 999999, "x"):
            refused = await post_form(bob, "/channels", f"/channels/{channel_id}/{action}")
            assert refused.status_code == 404, (action, channel_id)
    alice_browser = await open_browser("alice@example.com")
    for action in (f"/channels/{channel['id']}/delete", f"/channels/{channel['id']}/test"):
        assert (await alice_browser.post(action)).status_code == 403
    forged = await alice_browser.post("/channels", data={"name": "Forged", "url": "json://a.b/c"})
    assert forged.status_code == 403
    assert [c["name"] for c in await _channels(client, alice)] == ["Alice hook"]


async def test_a_script_in_a_channel_name_is_shown_as_text(
    open_browser: OpenBrowser, alice: Headers, create_channel: CreateMonitor
) -> None:
    await create_channel(alice, name="<script>alert(1)</script>")
    page = (await (await open_browser("alice@example.com")).get("/channels")).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


async def test_a_test_refused_for_good_is_said_so_and_the_channel_shows_it_masked(
    open_browser: OpenBrowser,
) -> None:
    gone = WebhookReceiver(always_fail=True, fail_status=410)
    await gone.start()
    try:
        browser = await open_browser("alice@example.com")
        url = f"json://hookuser:{SECRET}@127.0.0.1:{gone.port}/hook"
        channel_id = await _add(browser, "Gone hook", url)

        await post_form(browser, "/channels", f"/channels/{channel_id}/test")
    finally:
        await gone.stop()

    shown = (await browser.get("/channels")).text
    assert "test message to “Gone hook” failed for good (check the URL): HTTP 410 Gone" in shown
    assert 'class="delivery failing"' in shown and "failed for good" in shown
    assert "the service refused it, so it was not retried" in shown
    assert SECRET not in shown
    again = (await browser.get("/channels")).text  # the flash is gone, the state stays
    assert "HTTP 410 Gone" in again and "test message to" not in again


async def test_send_test_says_when_the_channel_had_enough_test_messages(
    open_browser: OpenBrowser, webhook: WebhookReceiver
) -> None:
    browser = await open_browser("alice@example.com")
    channel_id = await _add(browser, "Local hook", webhook.url())

    for _ in range(6):
        sent = await post_form(browser, "/channels", f"/channels/{channel_id}/test")
        assert sent.status_code == 303

    shown = (await browser.get("/channels")).text
    assert 'class="flash flash-error"' in shown
    assert "No test message sent to “Local hook”: Too many test messages; try again in" in shown
    assert len(webhook.received) == 5
