"""Maintenance windows in the dashboard: list, create (one-off or weekly), edit, end now,
delete; checked by the API's rules, and only the owner's."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx

from api.conftest import CreateMonitor, Headers
from betteruptime.db.types import utcnow
from testkit.html_forms import as_data, form_fields
from web.conftest import OpenBrowser

WINDOWS = "/api/v1/maintenance-windows"
LOCAL = "%Y-%m-%dT%H:%M"


async def _windows(client: httpx.AsyncClient, headers: Headers) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await client.get(WINDOWS, headers=headers)).json()
    return found


async def _submit(browser: httpx.AsyncClient, path: str, **typed: Any) -> httpx.Response:
    fields = form_fields((await browser.get(path)).text, path)
    return await browser.post(path, data=as_data(fields, **typed))


async def test_a_one_off_window_is_created_shown_ended_now_and_deleted(
    open_browser: OpenBrowser,
    client: httpx.AsyncClient,
    alice: Headers,
    create_monitor: CreateMonitor,
) -> None:
    monitor = await create_monitor(alice, name="shop")
    browser = await open_browser("alice@example.com")
    now = utcnow()

    created = await _submit(
        browser,
        "/maintenance/new",
        name="upgrade",
        form="one_off",
        starts_at=(now - timedelta(minutes=10)).strftime(LOCAL),
        ends_at=(now + timedelta(hours=2)).strftime(LOCAL),
        monitor_ids=str(monitor["id"]),
    )

    assert created.status_code == 303, created.text
    [window] = await _windows(client, alice)
    assert (window["name"], window["active"], window["monitor_ids"]) == (
        "upgrade",
        True,
        [monitor["id"]],
    )
    listed = (await browser.get("/maintenance")).text
    assert "in progress" in listed and "End now" in listed and "shop" in listed

    form = form_fields(listed, f"/maintenance/{window['id']}/end")
    ended = await browser.post(f"/maintenance/{window['id']}/end", data=as_data(form))
    assert ended.status_code == 303
    [after] = await _windows(client, alice)
    assert after["active"] is False and after["ends_at"] <= utcnow().isoformat()

    delete = f"/maintenance/{window['id']}/delete"
    form = form_fields((await browser.get("/maintenance")).text, delete)
    await browser.post(delete, data=as_data(form))
    assert await _windows(client, alice) == []


async def test_a_weekly_window_is_created_and_edited_into_a_one_off(
    open_browser: OpenBrowser, client: httpx.AsyncClient, alice: Headers
) -> None:
    browser = await open_browser("alice@example.com")
    fields = form_fields((await browser.get("/maintenance/new")).text, "/maintenance/new")
    data = as_data(
        fields,
        name="backups",
        form="weekly",
        start_time="02:00",
        duration_minutes="90",
        timezone="Europe/Berlin",
        notify="true",
        weekdays=["6", "2"],
    )

    created = await browser.post("/maintenance/new", data=data)

    assert created.status_code == 303, created.text
    [window] = await _windows(client, alice)
    assert (window["weekdays"], window["start_time"], window["duration_minutes"]) == (
        [2, 6],
        "02:00",
        90,
    )
    assert (window["timezone"], window["notify"]) == ("Europe/Berlin", True)
    path = f"/maintenance/{window['id']}/edit"
    edit_page = (await browser.get(path)).text
    assert re.search(r'name="weekdays" value="6" checked', edit_page)

    edited = await _submit(
        browser,
        path,
        form="one_off",
        starts_at="2030-01-01T10:00",
        ends_at="2030-01-01T11:00",
    )

    assert edited.status_code == 303, edited.text
    [after] = await _windows(client, alice)
    assert (after["starts_at"], after["weekdays"], after["start_time"]) == (
        "2030-01-01T10:00:00Z",
        [],
        None,
    )


async def test_a_bad_form_is_shown_again_with_each_message_by_its_field(
    open_browser: OpenBrowser, client: httpx.AsyncClient, alice: Headers
) -> None:
    browser = await open_browser("alice@example.com")

    refused = await _submit(
        browser,
        "/maintenance/new",
        name="",
        form="one_off",
        starts_at="2030-01-01T10:00",
        ends_at="2030-01-01T09:00",
    )
    weekly = await _submit(
        browser, "/maintenance/new", name="w", form="weekly", duration_minutes="x"
    )

    assert refused.status_code == 422
    assert 'id="name-error"' in refused.text
    assert weekly.status_code == 422 and 'id="duration_minutes-error"' in weekly.text
    assert await _windows(client, alice) == []


async def test_another_users_window_answers_like_a_missing_one(
    open_browser: OpenBrowser, client: httpx.AsyncClient, alice: Headers, bob: Headers
) -> None:
    body = {"name": "bob-private", "starts_at": "2030-01-01T10:00Z", "ends_at": "2030-01-01T11:00Z"}
    theirs = (await client.post(WINDOWS, json=body, headers=bob)).json()
    browser = await open_browser("alice@example.com")

    page = await browser.get(f"/maintenance/{theirs['id']}/edit")

    assert page.status_code == 404
    assert "bob-private" not in (await browser.get("/maintenance")).text
