"""Hostile strings in everything a user (or a probed server) controls are shown as text on
every dashboard page: a monitor's name and URL, the error a check stored, an incident's
cause, a channel's name. The payloads would run if any page let one through unescaped."""

from __future__ import annotations

from api.conftest import CreateMonitor, Headers
from betteruptime.db.session import SessionFactory
from web.conftest import OpenBrowser, set_status
from web.test_incidents_page import add_incident

SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(2)>'


async def test_payloads_in_names_urls_errors_and_causes_are_escaped_on_every_page(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(
        alice, name=f"shop {SCRIPT}", url="https://shop.example/?q=%3Cscript%3E&x=<b>"
    )
    monitor_id = monitor["id"]
    await set_status(sessions, monitor_id, "down", last_error=f"HTTP 500: {SCRIPT}{IMAGE}")
    incident_id = await add_incident(
        sessions, monitor_id, hours_ago=1, status="open", cause=f"{IMAGE} {SCRIPT}"
    )
    browser = await open_browser("alice@example.com")

    pages = [
        "/",
        "/?status=down",
        f"/monitors/{monitor_id}",
        f"/monitors/{monitor_id}/edit",
        "/incidents",
        f"/incidents/{incident_id}",
        "/status-pages/new",
    ]
    for path in pages:
        response = await browser.get(path)
        assert response.status_code == 200, path
        html = response.text
        assert SCRIPT not in html, path
        assert "<img src=x" not in html, path
        assert "<b>" not in html, path
    # Shown, as text: the name reaches the pages escaped rather than dropped.
    overview = (await browser.get("/")).text
    assert "shop &lt;script&gt;alert(1)&lt;/script&gt;" in overview
    incident = (await browser.get(f"/incidents/{incident_id}")).text
    assert "&lt;img src=x onerror=alert(2)&gt;" in incident
