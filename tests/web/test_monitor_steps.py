"""A multistep monitor's page shows the steps of its latest check, escaped; a multistep
monitor made with the form's JSON box is what the API shows."""

from __future__ import annotations

import httpx

from api.conftest import Headers
from betteruptime.db.models import Check
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from web.conftest import OpenBrowser, post_form

API = "/api/v1/monitors"
STEPS = [
    {
        "name": "log in",
        "method": "POST",
        "url": "https://api.example/login",
        "extract": {"token": {"from": "$.token", "secret": True}},
    },
    {
        "name": "<b>orders</b>",
        "url": "https://api.example/orders",
        "headers": {"Authorization": "Bearer {{token}}"},
    },
    {"name": "logout", "url": "https://api.example/logout"},
]


async def test_the_page_shows_each_step_of_the_latest_check(
    open_browser: OpenBrowser, client: httpx.AsyncClient, alice: Headers, sessions: SessionFactory
) -> None:
    created = await client.post(
        API, json={"name": "flow", "kind": "multistep", "steps": STEPS}, headers=alice
    )
    monitor_id, now = created.json()["id"], utcnow()
    details = {
        "steps": [
            {
                "name": "log in",
                "up": True,
                "skipped": False,
                "status_code": 200,
                "ms": 12.5,
                "timings": {
                    "dns_ms": 1.0,
                    "connect_ms": 2.0,
                    "tls_ms": None,
                    "first_byte_ms": 9.0,
                    "total_ms": 12.5,
                },
                "error": None,
            },
            {
                "name": "<b>orders</b>",
                "up": False,
                "skipped": False,
                "status_code": 401,
                "ms": 8.0,
                "timings": None,
                "error": "status 401, expected 200-299",
            },
            {
                "name": "logout",
                "up": False,
                "skipped": True,
                "status_code": None,
                "ms": None,
                "timings": None,
                "error": None,
            },
        ]
    }
    async with sessions() as session, session.begin():
        session.add(
            Check(
                monitor_id=monitor_id,
                due_at=now,
                region="eu-west",
                checked_at=now,
                up=False,
                status_code=401,
                error="step 2 '<b>orders</b>': status 401",
                details=details,
            )
        )
    browser = await open_browser("alice@example.com")

    page = (await browser.get(f"/monitors/{monitor_id}")).text

    assert "Steps of the latest check" in page
    assert "&lt;b&gt;orders&lt;/b&gt;" in page and "<b>orders</b>" not in page
    assert "status 401, expected 200-299" in page
    assert '<span class="result muted">skipped</span>' in page
    assert "multi-step API check" in page


async def test_a_multistep_monitor_made_with_the_form_has_its_steps(
    open_browser: OpenBrowser, client: httpx.AsyncClient, alice: Headers
) -> None:
    import json

    browser = await open_browser("alice@example.com")
    created = await post_form(
        browser,
        "/monitors/new",
        "/monitors/new",
        name="flow",
        kind="multistep",
        interval_seconds="60",
        expected_status="200-299",
        timezone="UTC",
        verify_tls="true",
        steps=json.dumps(STEPS),
    )
    refused = await post_form(
        browser,
        "/monitors/new",
        "/monitors/new",
        name="flow",
        kind="multistep",
        interval_seconds="60",
        timezone="UTC",
        steps='[{"name": "x", "url": "https://a.example/{{nope}}"}]',
    )
    broken = await post_form(
        browser,
        "/monitors/new",
        "/monitors/new",
        name="flow",
        kind="multistep",
        interval_seconds="60",
        timezone="UTC",
        steps="[{",
    )

    assert created.status_code == 303, created.text
    (monitor,) = (await client.get(API, headers=alice)).json()
    assert [step["name"] for step in monitor["steps"]] == ["log in", "<b>orders</b>", "logout"]
    assert refused.status_code == 422
    assert "entry 1: url: {{nope}} is not extracted by an earlier step" in refused.text
    assert broken.status_code == 422
    assert "write the steps as a JSON list" in broken.text
