"""Multistep monitors through the API: steps stored as sent, no URL of their own, and
every bad step refused with a 422 naming it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

MONITORS = "/api/v1/monitors"
LOGIN = {
    "name": "log in",
    "method": "post",
    "url": "https://api.example.com/login",
    "body": '{"user": "probe"}',
    "extract": {"token": {"from": "$.token", "secret": True}, "etag": "header:ETag"},
}
ORDERS = {
    "name": "fetch orders",
    "url": "https://api.example.com/orders/{{ etag }}",
    "headers": {"Authorization": "Bearer {{token}}"},
    "assertions": [
        {"source": "json_body", "property": "$.state", "comparison": "equals", "target": "open"}
    ],
}


def body(*steps: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": "flow", "kind": "multistep", "steps": list(steps), **fields}


async def test_a_multistep_monitor_keeps_its_steps_and_has_no_url(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    created = await client.post(MONITORS, json=body(LOGIN, ORDERS), headers=alice)

    assert created.status_code == 201, created.text
    monitor = created.json()
    assert monitor["url"] is None
    assert monitor["steps"] == [
        {
            "name": "log in",
            "method": "POST",
            "url": "https://api.example.com/login",
            "headers": {},
            "body": '{"user": "probe"}',
            "expected_status": ["200-299"],
            "assertions": [],
            "extract": {"token": {"from": "$.token", "secret": True}, "etag": "header:ETag"},
        },
        {
            "name": "fetch orders",
            "method": "GET",
            "url": "https://api.example.com/orders/{{ etag }}",
            "headers": {"Authorization": "Bearer {{token}}"},
            "expected_status": ["200-299"],
            "assertions": ORDERS["assertions"],
            "extract": {},
        },
    ]
    fetched = await client.get(f"{MONITORS}/{monitor['id']}", headers=alice)
    assert fetched.json()["steps"] == monitor["steps"]


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        (body(), "steps", "a multistep monitor needs 1 to 10 steps"),
        (body(ORDERS), "steps[0].url", "{{etag}} is not extracted by an earlier step"),
        (
            body(LOGIN, {**ORDERS, "headers": {"X": "{{nope}}"}}),
            "steps[1].headers.X",
            "{{nope}} is not extracted by an earlier step (known here: token, etag)",
        ),
        (body({**LOGIN, "url": "ftp://x/"}), "steps[0].url", "http:// or https://"),
        (body({**LOGIN, "url": "not a url"}), "steps[0].url", "http:// or https://"),
        (body({**LOGIN, "extract": {"t": "$.a["}}), "steps[0].extract.t.from", "invalid JSON path"),
        (body({**LOGIN, "extract": {"t": "header:a b"}}), "steps[0].extract.t.from", "header"),
        (body({**LOGIN, "extract": {"1t": "$.a"}}), "steps[0].extract", "not a variable name"),
        (body({**LOGIN, "name": ""}), "steps[0].name", "at least 1 character"),
        (
            body(
                {
                    **LOGIN,
                    "assertions": [
                        {"source": "certificate_days", "comparison": "less_than", "target": 3}
                    ],
                }
            ),
            "steps[0]",
            "certificate_days",
        ),
        (body(*[LOGIN] * 11), "steps", "at most 10 items"),
        (body(LOGIN, url="https://x.example/"), "url", 'a monitor of kind "multistep" has no url'),
        (
            {"name": "x", "url": "https://x.example/", "steps": [LOGIN]},
            "steps",
            "kinds multistep and browser have it",
        ),
    ],
)
async def test_a_bad_step_is_refused_naming_it(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    fields: dict[str, Any],
    field: str,
    words: str,
) -> None:
    response = await client.post(MONITORS, json=fields, headers=alice)

    assert response.status_code == 422, response.text
    messages = {d["field"]: d["message"] for d in response.json()["details"]}
    assert field in messages, messages
    assert words in messages[field]


async def test_a_kind_change_to_http_drops_the_steps(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    created = (await client.post(MONITORS, json=body(LOGIN), headers=alice)).json()

    changed = await client.patch(
        f"{MONITORS}/{created['id']}",
        json={"kind": "http", "url": "https://api.example.com/"},
        headers=alice,
    )

    assert changed.status_code == 200, changed.text
    assert changed.json()["steps"] == []
