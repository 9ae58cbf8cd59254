"""The monitor form's assertion rows: added and removed without saving, sent as the
API's `assertions`, a bad row's message shown above the rows."""

from __future__ import annotations

import httpx

from api.conftest import Headers
from testkit.html_forms import form_fields
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


async def test_the_form_ends_with_a_blank_row_and_an_emptied_row_is_no_assertion(
    open_browser: OpenBrowser, client: httpx.AsyncClient, alice: Headers
) -> None:
    browser = await open_browser("alice@example.com")
    page = (await browser.get("/monitors/new")).text
    typed = {
        "assertion_source": ["", "json_body", "status_code", ""],
        "assertion_property": ["", "$.items.length", "", ""],
        "assertion_comparison": ["", "greater_than", "equals", ""],
        "assertion_target": ["", "0", "200", ""],
    }

    saved = await post(browser, **typed)
    (monitor,) = (await client.get(API, headers=alice)).json()
    edit = (await browser.get(f"/monitors/{monitor['id']}/edit")).text

    assert rows(page) == [("", "", "", "")]
    assert saved.status_code == 303, saved.text
    assert monitor["assertions"] == [
        {
            "source": "json_body",
            "property": "$.items.length",
            "comparison": "greater_than",
            "target": "0",
        },
        {"source": "status_code", "comparison": "equals", "target": "200"},
    ]
    assert rows(edit.replace(f"/monitors/{monitor['id']}/edit", "/monitors/new")) == [
        ("json_body", "$.items.length", "greater_than", "0"),
        ("status_code", "", "equals", "200"),
        ("", "", "", ""),
    ]
    assert 'data-add-row="assertion-rows" hidden' in page  # shown by app.js


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
        ("", "", "", ""),
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
