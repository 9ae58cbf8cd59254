"""A monitor's `assertions` through the API: stored as sent (targets as text), changed
by PATCH, and every bad row refused with a 422 that names it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

Create = Callable[..., Awaitable[dict[str, Any]]]
MONITORS = "/api/v1/monitors"
VALID: dict[str, Any] = {"name": "Example", "url": "https://example.com/"}
ROWS = [
    {"source": "status_code", "comparison": "equals", "target": 200},
    {"source": "header", "property": "Content-Type", "comparison": "contains", "target": "json"},
    {
        "source": "json_body",
        "property": "$.items.length",
        "comparison": "greater_than",
        "target": 0,
    },
    {"source": "json_body", "property": "$['a b']", "comparison": "exists"},
    {"source": "text_body", "comparison": "matches", "target": "^ok"},
    {"source": "response_time", "comparison": "less_than", "target": 500.5},
    {"source": "certificate_days", "comparison": "greater_than", "target": "14"},
    {"source": "json_body", "property": "$.ok", "comparison": "equals", "target": True},
]
STORED = [
    {"source": "status_code", "comparison": "equals", "target": "200"},
    {"source": "header", "property": "Content-Type", "comparison": "contains", "target": "json"},
    {
        "source": "json_body",
        "property": "$.items.length",
        "comparison": "greater_than",
        "target": "0",
    },
    {"source": "json_body", "property": "$['a b']", "comparison": "exists"},
    {"source": "text_body", "comparison": "matches", "target": "^ok"},
    {"source": "response_time", "comparison": "less_than", "target": "500.5"},
    {"source": "certificate_days", "comparison": "greater_than", "target": "14"},
    {"source": "json_body", "property": "$.ok", "comparison": "equals", "target": "true"},
]


async def test_assertions_are_stored_with_their_targets_as_text(
    client: httpx.AsyncClient, alice: dict[str, str], create_monitor: Create
) -> None:
    monitor = await create_monitor(alice, kind="json", json_path="$.ok", assertions=ROWS)

    fetched = await client.get(f"{MONITORS}/{monitor['id']}", headers=alice)

    assert monitor["assertions"] == STORED
    assert fetched.json()["assertions"] == STORED


async def test_a_monitor_has_no_assertions_unless_given_and_patch_replaces_them(
    client: httpx.AsyncClient, alice: dict[str, str], create_monitor: Create
) -> None:
    monitor = await create_monitor(alice)
    url = f"{MONITORS}/{monitor['id']}"

    changed = await client.patch(url, json={"assertions": ROWS[:2]}, headers=alice)
    cleared = await client.patch(url, json={"assertions": []}, headers=alice)
    nulled = await client.patch(url, json={"assertions": None}, headers=alice)

    assert monitor["assertions"] == []
    assert changed.json()["assertions"] == STORED[:2]
    assert cleared.json()["assertions"] == []
    assert nulled.status_code == 422


async def test_a_tls_monitor_takes_certificate_days_only(
    client: httpx.AsyncClient, alice: dict[str, str], create_monitor: Create
) -> None:
    days = {"source": "certificate_days", "comparison": "greater_than", "target": 20}
    monitor = await create_monitor(alice, kind="tls", assertions=[days])
    header = {"source": "header", "property": "Server", "comparison": "exists"}

    refused = await client.post(
        MONITORS, json={**VALID, "kind": "tls", "assertions": [days, header]}, headers=alice
    )

    assert monitor["assertions"] == [{**days, "target": "20"}]
    assert refused.status_code == 422
    assert refused.json()["details"] == [
        {
            "field": "assertions[1]",
            "message": "a tls monitor reads no response: only certificate_days, not header",
        }
    ]


async def test_other_kinds_have_no_assertions(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    body = {
        "name": "db",
        "kind": "tcp",
        "url": "tcp://db.example.com:5432",
        "assertions": [ROWS[0]],
    }

    response = await client.post(MONITORS, json=body, headers=alice)

    assert response.status_code == 422
    assert "kinds http, keyword, json and tls have it" in response.text


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ({"source": "body", "comparison": "exists"}, "assertions[0].source", "Input should be"),
        ({"source": "header", "comparison": "exists"}, "assertions[0]", "needs a property"),
        ({"source": "json_body", "comparison": "exists"}, "assertions[0]", "needs a property"),
        (
            {"source": "json_body", "property": "$.a[", "comparison": "exists"},
            "assertions[0]",
            "invalid JSON path",
        ),
        (
            {"source": "header", "property": "Bad Name", "comparison": "exists"},
            "assertions[0]",
            "not a valid header name",
        ),
        (
            {"source": "text_body", "comparison": "matches", "target": "(a"},
            "assertions[0]",
            "invalid regular expression",
        ),
        ({"source": "text_body", "comparison": "contains"}, "assertions[0]", "needs a target"),
        (
            {"source": "response_time", "comparison": "less_than", "target": "fast"},
            "assertions[0]",
            "needs a number as target",
        ),
        (
            {"source": "status_code", "comparison": "matches", "target": "2"},
            "assertions[0]",
            "status_code cannot be compared by matches",
        ),
        (
            {"source": "text_body", "comparison": "equals", "target": "a\u0000"},
            "assertions[0].target",
            "NUL",
        ),
        (
            {"source": "text_body", "comparison": "equals", "target": "x", "extra": 1},
            "assertions[0].extra",
            "unknown field",
        ),
    ],
)
async def test_a_bad_row_is_refused_naming_it(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    row: dict[str, Any],
    field: str,
    words: str,
) -> None:
    rows = [row] if field.startswith("assertions[0]") else [ROWS[0], row]

    response = await client.post(MONITORS, json={**VALID, "assertions": rows}, headers=alice)

    assert response.status_code == 422, response.text
    messages = {d["field"]: d["message"] for d in response.json()["details"]}
    assert field in messages, messages
    assert words in messages[field]


async def test_at_most_twenty_assertions(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    rows = [ROWS[0]] * 21

    response = await client.post(MONITORS, json={**VALID, "assertions": rows}, headers=alice)

    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "assertions"


async def test_certificate_days_needs_an_https_url(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    body = {**VALID, "url": "http://example.com/", "assertions": [ROWS[6]]}

    response = await client.post(MONITORS, json=body, headers=alice)

    assert response.status_code == 422
    assert response.json()["details"] == [
        {
            "field": "assertions[0]",
            "message": "certificate_days needs an https:// URL: http has no certificate",
        }
    ]
