"""Browser monitors through the API: steps are stored as written, a bad step is a 422
naming it, and steps belong to the browser kind only."""

from __future__ import annotations

from typing import Any

import httpx

from api.conftest import CreateMonitor, Headers

MONITORS = "/api/v1/monitors"
STEPS = [
    {"action": "click", "selector": "#buy"},
    {"action": "expect_text", "text": "Thank you"},
    {"action": "expect_url", "pattern": "/done"},
]


async def test_a_browser_monitor_keeps_its_steps_as_written(
    alice: Headers, create_monitor: CreateMonitor, client: httpx.AsyncClient
) -> None:
    monitor = await create_monitor(
        alice, kind="browser", url="https://shop.example.com/", steps=STEPS, interval_seconds=60
    )

    assert monitor["kind"] == "browser"
    assert monitor["steps"] == STEPS
    fetched = await client.get(f"{MONITORS}/{monitor['id']}", headers=alice)
    assert fetched.json()["steps"] == STEPS


async def test_a_bad_step_is_refused_naming_the_step(
    alice: Headers, client: httpx.AsyncClient
) -> None:
    body: dict[str, Any] = {
        "name": "shop",
        "kind": "browser",
        "url": "https://shop.example.com/",
        "steps": [{"action": "click", "selector": "#buy"}, {"action": "fill", "selector": "#q"}],
    }

    response = await client.post(MONITORS, json=body, headers=alice)

    assert response.status_code == 422, response.text
    assert response.json()["details"] == [
        {"field": "steps[1].fill.value", "message": "this field is required"}
    ]


async def test_a_browser_monitor_needs_steps_and_a_web_start_page(
    alice: Headers, client: httpx.AsyncClient
) -> None:
    body = {"name": "shop", "kind": "browser", "url": "tcp://shop.example.com:80"}

    response = await client.post(MONITORS, json=body, headers=alice)

    assert response.status_code == 422, response.text
    fields = {d["field"]: d["message"] for d in response.json()["details"]}
    assert fields["steps"] == "a browser check has 1 to 20 steps; got 0"
    assert "url" in fields
    too_many = {**body, "url": "https://shop.example.com/", "steps": STEPS * 7}
    refused = await client.post(MONITORS, json=too_many, headers=alice)
    assert refused.status_code == 422
    assert refused.json()["details"][0]["field"] == "steps"


async def test_steps_belong_to_browser_monitors_only(
    alice: Headers, client: httpx.AsyncClient, create_monitor: CreateMonitor
) -> None:
    body = {"name": "api", "url": "https://api.example.com/", "steps": STEPS}

    refused = await client.post(MONITORS, json=body, headers=alice)

    assert refused.status_code == 422
    assert refused.json()["details"] == [
        {
            "field": "steps",
            "message": 'a monitor of kind "http" has no steps '
            "(only kinds multistep and browser have it)",
        }
    ]
    # Turned into an http monitor, a browser monitor drops its steps.
    monitor = await create_monitor(alice, kind="browser", steps=STEPS)
    changed = await client.patch(
        f"{MONITORS}/{monitor['id']}", json={"kind": "http"}, headers=alice
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["steps"] == []


async def test_steps_can_be_changed_and_not_nulled(
    alice: Headers, client: httpx.AsyncClient, create_monitor: CreateMonitor
) -> None:
    monitor = await create_monitor(alice, kind="browser", steps=STEPS)
    url = f"{MONITORS}/{monitor['id']}"

    changed = await client.patch(url, json={"steps": STEPS[:1]}, headers=alice)
    nulled = await client.patch(url, json={"steps": None}, headers=alice)

    assert changed.json()["steps"] == STEPS[:1]
    assert nulled.status_code == 422
