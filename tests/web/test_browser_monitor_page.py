"""A browser monitor's page: its latest check's steps and load timings, and the latest
failure screenshot, which only its owner can open."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx

from api.conftest import CreateMonitor, Headers
from betteruptime.db.models import Check, CheckScreenshot
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from testkit.html_forms import as_data, form_fields
from web.conftest import OpenBrowser

IMAGE = b"\xff\xd8\xff\xe0 a jpeg"
STEPS = [{"action": "click", "selector": "#buy"}, {"action": "expect_text", "text": "Thanks"}]


async def test_the_page_shows_the_steps_timings_and_the_failure_screenshot(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice, kind="browser", steps=STEPS, name="Shop journey")
    monitor_id, now = monitor["id"], utcnow()
    failure = 'step 2 (expect_text "Thanks") failed: <script>alert(1)</script>'
    details = {
        "start": {"url": monitor["url"], "ms": 120.0, "ok": True, "error": None},
        "steps": [
            {"action": "click", "ms": 30.0, "ok": True, "error": None},
            {"action": "expect_text", "ms": 5000.0, "ok": False, "error": failure},
        ],
        "timings": {"ttfb_ms": 12.0, "fcp_ms": 85.0, "lcp_ms": 91.0},
        "screenshot": True,
    }
    async with sessions() as session, session.begin():
        session.add_all(
            [
                Check(
                    monitor_id=monitor_id,
                    due_at=now - timedelta(minutes=1),
                    region="eu",
                    checked_at=now - timedelta(minutes=1),
                    up=True,
                ),
                Check(
                    monitor_id=monitor_id,
                    due_at=now,
                    region="eu",
                    checked_at=now,
                    up=False,
                    error=failure,
                    details=details,
                ),
                CheckScreenshot(monitor_id=monitor_id, due_at=now, region="eu", image=IMAGE),
            ]
        )
        await session.flush()
    alice_browser = await open_browser("alice@example.com")

    page = (await alice_browser.get(f"/monitors/{monitor_id}")).text

    assert "Browser check" in page
    assert "largest contentful paint 91 ms" in page
    assert "open start page" in page and "expect_text" in page
    assert "<script>alert(1)</script>" not in page  # the error is escaped
    links = set(re.findall(r"/monitors/\d+/screenshots/\d+", page))
    assert len(links) == 1
    (link,) = links
    assert f'<img src="{link}"' in page
    image = await alice_browser.get(link)
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"
    assert image.content == IMAGE
    bob = await open_browser("bob@example.com")
    assert (await bob.get(link)).status_code == 404
    assert (await alice_browser.get(link.rsplit("/", 1)[0] + "/999")).status_code == 404
    stranger = await open_browser(None)
    assert (await stranger.get(link)).status_code in (302, 303)


async def test_a_browser_monitor_without_checks_says_none_ran_yet(
    open_browser: OpenBrowser, alice: Headers, create_monitor: CreateMonitor
) -> None:
    monitor = await create_monitor(alice, kind="browser", steps=STEPS)

    page = (await (await open_browser("alice@example.com")).get(f"/monitors/{monitor['id']}")).text

    assert "No browser check has run yet." in page


async def test_the_form_takes_a_browser_checks_steps_as_a_json_list_and_names_a_bad_one(
    open_browser: OpenBrowser, client: httpx.AsyncClient, alice: Headers
) -> None:
    browser = await open_browser("alice@example.com")
    fields = form_fields((await browser.get("/monitors/new")).text, "/monitors/new")

    def typed(steps: str) -> dict[str, Any]:
        return as_data(
            fields, name="journey", kind="browser", url="https://shop.example/", steps=steps
        )

    bad_step = await browser.post(
        "/monitors/new",
        data=typed(
            '[{"action": "click", "selector": "#buy"}, {"action": "fill", "selector": "#q"}]'
        ),
    )
    good = await browser.post(
        "/monitors/new",
        data=typed(
            '[{"action": "click", "selector": "#buy"},\r\n {"action": "press", "key": "Enter"}]'
        ),
    )

    assert bad_step.status_code == 422
    assert "entry 2: fill.value: this field is required" in bad_step.text
    assert good.status_code == 303, good.text
    made = (await client.get("/api/v1/monitors", headers=alice)).json()
    assert made[0]["steps"] == [
        {"action": "click", "selector": "#buy"},
        {"action": "press", "key": "Enter"},
    ]
