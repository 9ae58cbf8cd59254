"""The forms that create and change monitors: the API's rules, shown field by field."""

from __future__ import annotations

import re

import httpx
import pytest

from api.conftest import CreateMonitor, Headers
from testkit.html_forms import as_data, form_fields
from web.conftest import OpenBrowser, csrf_token, post_form

API = "/api/v1/monitors"


def field_error(page: str, name: str) -> str:
    found = re.search(rf'<small id="{name}-error" class="field-error">([^<]*)</small>', page)
    assert found, f"no error shown for {name}"
    return found.group(1)


def input_value(page: str, name: str) -> str:
    found = re.search(rf'<input id="{name}" name="{name}" type="\w+" value="([^"]*)"', page)
    assert found, f"no input {name}"
    return found.group(1)


async def test_a_monitor_created_with_the_form_is_what_the_api_shows(
    open_browser: OpenBrowser, client: httpx.AsyncClient, alice: Headers
) -> None:
    browser = await open_browser("alice@example.com")
    page = (await browser.get("/monitors/new")).text
    assert '<label for="name">' in page and '<select id="kind" name="kind"' in page
    assert input_value(page, "interval_seconds") == "60"

    created = await post_form(
        browser,
        "/monitors/new",
        "/monitors/new",
        name="Shop",
        kind="http",
        url="https://shop.example/health",
        interval_seconds="30",
        timeout_seconds="",
        regions="",
        expected_status="200-299, 301",
        headers="X-Probe: yes\nAccept: text/html",
        follow_redirects="true",
        failure_threshold="",
        max_response_time_ms="2500",
    )

    assert created.status_code == 303
    monitor_id = int(created.headers["location"].rsplit("/", 1)[1])
    monitor = (await client.get(f"{API}/{monitor_id}", headers=alice)).json()
    assert monitor["name"] == "Shop" and monitor["url"] == "https://shop.example/health"
    assert monitor["interval_seconds"] == 30 and monitor["timeout_seconds"] == 10
    assert monitor["regions"] == ["eu-west"] and monitor["failure_threshold"] == 3
    assert monitor["expected_status"] == ["200-299", "301"]
    assert monitor["headers"] == {"X-Probe": "yes", "Accept": "text/html"}
    assert monitor["follow_redirects"] is True and monitor["verify_tls"] is False
    assert monitor["max_response_time_ms"] == 2500
    shown = await browser.get(created.headers["location"])
    assert "Monitor created." in shown.text


async def test_a_heartbeat_made_with_the_form_has_the_apis_defaults_and_shows_its_ping_url(
    open_browser: OpenBrowser, client: httpx.AsyncClient, alice: Headers
) -> None:
    browser = await open_browser("alice@example.com")
    created = await post_form(
        browser, "/monitors/new", "/monitors/new", name="Backup", kind="heartbeat",
        period_seconds="3600", timezone="UTC", expected_status="200-299",
    )  # fmt: skip

    assert created.status_code == 303, created.text
    monitor_id = created.headers["location"].rsplit("/", 1)[1]
    monitor = (await client.get(f"{API}/{monitor_id}", headers=alice)).json()
    assert monitor["kind"] == "heartbeat" and monitor["period_seconds"] == 3600
    assert monitor["failure_threshold"] == 1 and monitor["grace_seconds"] == 60
    edit = (await browser.get(f"/monitors/{monitor_id}/edit")).text
    assert monitor["ping_url"].rsplit("/", 1)[1] in edit


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"interval_seconds": "5"}, "interval_seconds", "must be at least 10 seconds"),
        ({"interval_seconds": "soon"}, "interval_seconds", "enter a whole number"),
        ({"url": "ftp://files.example/"}, "url", "must be an http(s)://"),
        ({"kind": "tcp"}, "url", "must be a tcp:// URL"),
        ({"kind": "keyword"}, "keyword", 'is required for a monitor of kind "keyword"'),
        ({"timeout_seconds": "90"}, "timeout_seconds", "must be below interval_seconds"),
        ({"expected_status": "200, 7000"}, "expected_status", "entry 2:"),
        ({"headers": "no colon here"}, "headers", "Name: value"),
        (
            {"kind": "heartbeat", "url": "", "period_seconds": "60", "timezone": "Mars/Olympus"},
            "timezone",
            "is not a known time zone",
        ),
        ({"name": ""}, "name", "at least 1 character"),
        ({"channel_ids": "12345"}, "channel_ids", "no channel of yours has the id(s): 12345"),
    ],
)
async def test_a_refused_form_shows_the_message_by_its_field_and_keeps_the_input(
    open_browser: OpenBrowser, fields: dict[str, str], field: str, message: str
) -> None:
    browser = await open_browser("alice@example.com")
    form = {
        "name": "Typed <b>name</b>",
        "kind": "http",
        "url": "https://typed.example/",
        "interval_seconds": "60",
        "expected_status": "200-299",
        "timezone": "UTC",
        **fields,
    }

    refused = await post_form(browser, "/monitors/new", "/monitors/new", **form)

    assert refused.status_code == 422
    assert message in field_error(refused.text, field).replace("&#34;", '"')
    assert re.search(rf'aria-describedby="[^"]*{field}-error"', refused.text)
    if field != "name":
        assert input_value(refused.text, "name") == "Typed &lt;b&gt;name&lt;/b&gt;"
    if field != "url" and "url" not in fields:
        assert input_value(refused.text, "url") == "https://typed.example/"
    assert "<b>name</b>" not in refused.text


async def test_editing_changes_the_fields_sent_and_keeps_per_channel_rules(
    open_browser: OpenBrowser,
    client: httpx.AsyncClient,
    alice: Headers,
    create_monitor: CreateMonitor,
) -> None:
    hook = await client.post(
        "/api/v1/channels", json={"name": "Pager", "url": "json://hooks.example.com/a"},
        headers=alice,
    )  # fmt: skip
    rule = {"channel_id": hook.json()["id"], "events": ["down"], "delay_minutes": 5}
    monitor = await create_monitor(alice, name="Old name", channel_rules=[rule])
    browser = await open_browser("alice@example.com")
    page = (await browser.get(f"/monitors/{monitor['id']}/edit")).text
    assert input_value(page, "name") == "Old name"
    assert f'value="{rule["channel_id"]}" checked' in page

    form = {
        "csrf_token": csrf_token(page),
        "name": "New name",
        "kind": "keyword",
        "url": "https://example.com/health",
        "interval_seconds": "120",
        "timeout_seconds": "20",
        "regions": "eu-west",
        "failure_threshold": "4",
        "recovery_threshold": "2",
        "ping_count": "3",
        "method": "GET",
        "keyword": "healthy",
        "keyword_mode": "present",
        "expected_status": "",
        "timezone": "UTC",
        "channel_ids": str(rule["channel_id"]),
    }
    saved = await browser.post(f"/monitors/{monitor['id']}/edit", data=form)

    assert saved.status_code == 303
    assert saved.headers["location"] == f"/monitors/{monitor['id']}"
    changed = (await client.get(f"{API}/{monitor['id']}", headers=alice)).json()
    assert changed["name"] == "New name" and changed["kind"] == "keyword"
    assert changed["keyword"] == "healthy" and changed["interval_seconds"] == 120
    assert changed["timeout_seconds"] == 20 and changed["failure_threshold"] == 4
    assert changed["expected_status"] == [] and changed["follow_redirects"] is False
    assert changed["channel_rules"] == [rule]

    unlinked = await browser.post(
        f"/monitors/{monitor['id']}/edit", data={**form, "channel_ids": []}
    )
    assert unlinked.status_code == 303
    assert (await client.get(f"{API}/{monitor['id']}", headers=alice)).json()["channel_ids"] == []


async def test_an_edit_that_empties_a_required_field_is_refused_and_changes_nothing(
    open_browser: OpenBrowser,
    client: httpx.AsyncClient,
    alice: Headers,
    create_monitor: CreateMonitor,
) -> None:
    monitor = await create_monitor(alice, name="Keep me", interval_seconds=60)
    browser = await open_browser("alice@example.com")
    page = (await browser.get(f"/monitors/{monitor['id']}/edit")).text

    refused = await browser.post(
        f"/monitors/{monitor['id']}/edit",
        data={"csrf_token": csrf_token(page), "name": "Changed", "interval_seconds": ""},
    )

    assert refused.status_code == 422
    assert field_error(refused.text, "interval_seconds") == "this field is required"
    assert input_value(refused.text, "name") == "Changed"
    kept = (await client.get(f"{API}/{monitor['id']}", headers=alice)).json()
    assert kept["name"] == "Keep me" and kept["interval_seconds"] == 60


async def test_the_overview_and_the_monitor_page_link_to_the_forms(
    open_browser: OpenBrowser, alice: Headers, create_monitor: CreateMonitor
) -> None:
    monitor = await create_monitor(alice)
    browser = await open_browser("alice@example.com")
    assert 'href="/monitors/new"' in (await browser.get("/")).text
    page = (await browser.get(f"/monitors/{monitor['id']}")).text
    assert f'href="/monitors/{monitor["id"]}/edit"' in page


async def test_the_forms_refuse_a_post_without_the_csrf_token(
    open_browser: OpenBrowser, alice: Headers, create_monitor: CreateMonitor
) -> None:
    monitor = await create_monitor(alice, name="Untouched")
    browser = await open_browser("alice@example.com")
    for action in ("/monitors/new", f"/monitors/{monitor['id']}/edit"):
        refused = await browser.post(action, data={"name": "Forged", "url": "https://x.example/"})
        assert refused.status_code == 403, action
    assert "Forged" not in (await browser.get("/")).text


async def test_another_users_monitor_cannot_be_edited_and_looks_missing(
    open_browser: OpenBrowser,
    client: httpx.AsyncClient,
    alice: Headers,
    create_monitor: CreateMonitor,
) -> None:
    monitor = await create_monitor(alice, name="Alice private")
    bob = await open_browser("bob@example.com")
    for path in (f"/monitors/{monitor['id']}/edit", "/monitors/999999/edit", "/monitors/x/edit"):
        page = await bob.get(path)
        assert page.status_code == 404, path
        assert "Alice private" not in page.text
    refused = await post_form(
        bob, "/monitors/new", f"/monitors/{monitor['id']}/edit", name="Bob was here"
    )
    assert refused.status_code == 404
    assert (await client.get(f"{API}/{monitor['id']}", headers=alice)).json()["name"] == (
        "Alice private"
    )


async def test_the_form_needs_a_signed_in_user(open_browser: OpenBrowser) -> None:
    visitor = await open_browser(None)
    answer = await visitor.get("/monitors/new")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/monitors/new"


async def test_changing_the_kind_in_the_form_drops_the_old_kinds_fields(
    open_browser: OpenBrowser, client: httpx.AsyncClient, alice: Headers
) -> None:
    body = {"name": "Backup", "kind": "heartbeat", "cron": "0 3 * * *", "timezone": "Asia/Tokyo"}
    heartbeat = (await client.post(API, json=body, headers=alice)).json()
    browser = await open_browser("alice@example.com")
    action = f"/monitors/{heartbeat['id']}/edit"
    fields = form_fields((await browser.get(action)).text, action)

    saved = await browser.post(
        action, data=as_data(fields, kind="http", url="https://backup.example/")
    )

    assert saved.status_code == 303, saved.text
    http = (await client.get(f"{API}/{heartbeat['id']}", headers=alice)).json()
    assert http["kind"] == "http" and http["url"] == "https://backup.example/"
    assert http["cron"] is None and http["grace_seconds"] is None and http["timezone"] == "UTC"
    assert (http["failure_threshold"], http["recovery_threshold"]) == (3, 2)
    assert http["ping_url"] is None
