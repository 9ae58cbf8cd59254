"""The monitor form's assertion rows: added and removed without saving, sent as the
API's `assertions`, a bad row's message shown above the rows."""

from __future__ import annotations

import httpx

from api.conftest import Headers
from testkit.html_forms import as_data, form_fields
from web.conftest import OpenBrowser, csrf_token

API = "/api/v1/monitors"
BASE = {
    "name": "Shop",
    "kind": "json",
    "url": "https://shop.example/api",
    "json_path": "$.ok",
    "interval_seconds": "60",
    "expected_status": "200-299",
    "timezone": "UTC",
}


def rows(page: str) -> list[tuple[str, ...]]:
    """The rows the page's form sends, as (source, property, comparison, target)."""
    fields = form_fields(page, "/monitors/new")
    columns = [
        [value for name, value in fields if name == f"assertion_{part}"]
        for part in ("source", "property", "comparison", "target")
    ]
    return list(zip(*columns, strict=True))


async def post(browser: httpx.AsyncClient, **fields: str | list[str]) -> httpx.Response:
    token = csrf_token((await browser.get("/monitors/new")).text)
    return await browser.post("/monitors/new", data={"csrf_token": token, **BASE, **fields})


async def test_a_new_form_offers_one_blank_row_and_add_gives_another_saving_nothing(
    open_browser: OpenBrowser, client: httpx.AsyncClient, alice: Headers
) -> None:
    browser = await open_browser("alice@example.com")
    page = (await browser.get("/monitors/new")).text

    added = await post(
        browser,
        assertion_source="header",
        assertion_property="Content-Type",
        assertion_comparison="contains",
        assertion_target="json",
        add_assertion="1",
    )

    assert rows(page) == [("", "", "", "")]
    assert added.status_code == 200
    assert rows(added.text) == [("header", "Content-Type", "contains", "json"), ("", "", "", "")]
    assert (await client.get(API, headers=alice)).json() == []


async def test_remove_takes_that_row_out_and_the_rest_are_saved(
    open_browser: OpenBrowser, client: httpx.AsyncClient, alice: Headers
) -> None:
    browser = await open_browser("alice@example.com")
    typed = {
        "assertion_source": ["header", "json_body", "status_code"],
        "assertion_property": ["X-Gone", "$.items.length", ""],
        "assertion_comparison": ["exists", "greater_than", "equals"],
        "assertion_target": ["", "0", "200"],
    }

    removed = await post(browser, **typed, remove_assertion="0")
    saved = await browser.post(
        "/monitors/new", data=as_data(form_fields(removed.text, "/monitors/new"))
    )

    assert rows(removed.text) == [
        ("json_body", "$.items.length", "greater_than", "0"),
        ("status_code", "", "equals", "200"),
    ]
    assert saved.status_code == 303, saved.text
    (monitor,) = (await client.get(API, headers=alice)).json()
    assert monitor["assertions"] == [
        {
            "source": "json_body",
            "property": "$.items.length",
            "comparison": "greater_than",
            "target": "0",
        },
        {"source": "status_code", "comparison": "equals", "target": "200"},
    ]


async def test_a_bad_row_is_refused_with_its_message_and_kept_as_typed(
    open_browser: OpenBrowser,
) -> None:
    browser = await open_browser("alice@example.com")

    refused = await post(
        browser,
        assertion_source=["status_code", "header"],
        assertion_property=["", ""],
        assertion_comparison=["equals", "exists"],
        assertion_target=["200", ""],
    )

    assert refused.status_code == 422
    assert (
        '<p id="assertions-error" class="field-error" role="alert">entry 2: header needs a property'
        in refused.text
    )
    assert rows(refused.text) == [
        ("status_code", "", "equals", "200"),
        ("header", "", "exists", ""),
    ]


async def test_a_tls_row_the_kind_cannot_read_is_named_by_its_entry(
    open_browser: OpenBrowser,
) -> None:
    browser = await open_browser("alice@example.com")

    refused = await post(
        browser,
        kind="tls",
        assertion_source="header",
        assertion_property="Server",
        assertion_comparison="exists",
        assertion_target="",
    )

    assert refused.status_code == 422
    assert "entry 1: a tls monitor reads no response" in refused.text
