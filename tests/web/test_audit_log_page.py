"""The dashboard's Audit log page: admins and owners see the organization's entries with
who did what (secrets masked), filter them like the API; others get no link and a 403;
bad filters are shown, never a 500; recorded values are escaped."""

from __future__ import annotations

import httpx

from api.conftest import CreateMonitor, Headers
from betteruptime.db.session import SessionFactory
from web.conftest import OpenBrowser, post_form
from web.test_organization_page import _join, _switch, _team


async def test_an_owner_sees_changes_with_their_actor_and_no_secret(
    client: httpx.AsyncClient, open_browser: OpenBrowser, alice: Headers
) -> None:
    browser = await open_browser("alice@example.com")
    body = {"name": "<b>Shop</b>", "url": "https://example.com/", "headers": {"X-Key": "s3cr3t"}}
    assert (await client.post("/api/v1/monitors", json=body, headers=alice)).status_code == 201

    page = await browser.get("/audit-log")

    assert page.status_code == 200
    assert 'href="/audit-log"' in page.text
    assert 'data-action="monitor.create"' in page.text
    assert "alice@example.com" in page.text
    assert "s3cr3t" not in page.text
    assert "<b>Shop</b>" not in page.text  # escaped
    assert 'data-action="auth.sign_in"' in page.text  # the dashboard sign-in itself


async def test_filters_narrow_the_entries_and_bad_ones_are_explained(
    open_browser: OpenBrowser, alice: Headers, create_monitor: CreateMonitor
) -> None:
    browser = await open_browser("alice@example.com")
    await create_monitor(alice, name="one")

    only_monitors = (await browser.get("/audit-log", params={"action": "monitor.*"})).text
    nobody = (await browser.get("/audit-log", params={"actor": "bob@example.com"})).text
    bad = await browser.get("/audit-log", params={"action": "DROP", "since": "soon"})

    assert 'data-action="monitor.create"' in only_monitors
    assert 'data-action="auth.sign_in"' not in only_monitors
    assert "data-action=" not in nobody and "Nothing recorded that matches" in nobody
    assert bad.status_code == 422
    assert "An action such as monitor.create" in bad.text
    assert "A date (2026-12-24)" in bad.text


async def test_editors_get_no_link_and_a_403(
    client: httpx.AsyncClient,
    open_browser: OpenBrowser,
    alice: Headers,
    sessions: SessionFactory,
) -> None:
    team = await _team(client, alice)
    browser = await open_browser("bob@example.com")
    await _join(sessions, team, "bob@example.com", "editor")
    await _switch(browser, team)

    home = (await browser.get("/")).text
    refused = await browser.get("/audit-log")

    assert 'href="/audit-log"' not in home
    assert refused.status_code == 403
    assert "editor" in refused.text


async def test_a_role_change_made_in_the_dashboard_is_recorded(
    client: httpx.AsyncClient,
    open_browser: OpenBrowser,
    alice: Headers,
    sessions: SessionFactory,
) -> None:
    team = await _team(client, alice)
    await open_browser("bob@example.com")
    bob_id = await _join(sessions, team, "bob@example.com", "viewer")
    browser = await open_browser("alice@example.com")
    await _switch(browser, team)
    changed = await post_form(
        browser, "/organization", f"/organization/members/{bob_id}/role", role="editor"
    )
    assert changed.status_code == 303, changed.text

    page = (await browser.get("/audit-log", params={"action": "member.update"})).text

    assert 'data-action="member.update"' in page
    assert "&#34;viewer&#34; → &#34;editor&#34;" in page
