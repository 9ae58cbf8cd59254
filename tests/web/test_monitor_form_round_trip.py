"""Saving a monitor's edit form unchanged leaves the monitor exactly as it was, for every
field of every kind: the form shows each value so that it reads back as itself
(blanks, CR LF, commas, backslashes, unicode, long numbers, empty optional fields)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.conftest import Headers
from testkit.html_forms import Fields, as_data, form_fields
from web.conftest import OpenBrowser

API = "/api/v1/monitors"
# On every kind: the fields all monitors have, with values a form could bend.
COMMON: dict[str, Any] = {
    "name": "  Shop, \u201cfront\u201d \u2013 \u00fcn\u00ef  ",  # curly quotes, en dash
    "interval_seconds": 45,
    "timeout_seconds": 2.345678,  # more digits than :g writes
    "regions": ["eu-west", "us-east"],
    "min_failed_regions": 2,
    "failure_threshold": 4,
    "recovery_threshold": 3,
    "remind_every_minutes": None,
    "tags": ["prod", "team: web ün", "Prod"],  # a blank inside, case kept
    "group": "Shop \u201cfront\u201d",
}
AWKWARD: dict[str, dict[str, Any]] = {
    "http": {
        "url": "https://shop.example/health?a=1&b=2",
        "method": "POST",
        "headers": {"X-Token": " a,b ", "Accept": "text/html; q=0.9", "X-Empty": ""},
        "body": "line one\r\nline two\r\n",  # CR LF line ends, a trailing one
        "follow_redirects": False,
        "verify_tls": True,
        "expected_status": ["200", "3xx"],
        "tls_expiry_days": None,
        "max_response_time_ms": 600000,
        "degraded_after_ms": None,
        "assertions": [
            {"source": "status_code", "comparison": "equals", "target": "200, 3xx"},
            {
                "source": "header",
                "property": "X-Token",
                "comparison": "contains",
                "target": " a,b ",
            },
            {"source": "json_body", "property": "$['a b'][0]", "comparison": "exists"},
            {"source": "text_body", "comparison": "matches", "target": "^ok\\r?\r\n"},
            {"source": "response_time", "comparison": "less_than", "target": "250.5"},
        ],
    },
    "keyword": {
        "url": "https://shop.example/",
        "keyword": " ALIVE ",
        "keyword_mode": "absent",
        "body": '\n{"path": "C:\\\\new", "say": "a\\nb"}\n\n',  # JSON escapes, blank ends
        "expected_status": [],
    },
    "json": {
        "url": "http://shop.example/status.json",
        "json_path": "$.items[0].ok",
        "json_expected": {"ok": [1, True, " up "], "n": 1.5},
        "headers": {},
        "tls_expiry_days": None,
    },
    "tcp": {
        "url": "tcp://db.example.com:6379",
        "tcp_send": "PING\r\n",
        "tcp_expect": " +PONG\\r",  # a blank, and a backslash that is not an escape
        "max_response_time_ms": 250,
    },
    "dns": {
        "url": "dns://example.com",
        "dns_record_type": "TXT",
        "dns_resolver": "[::1]:5353",
        "expected_values": ["v=spf1 a, mx -all", " spaced ", "ünï"],
    },
    "ping": {"url": "icmp://10.0.0.1", "ping_count": 20, "max_packet_loss_percent": 12.5},
    "tls": {
        "url": "https://shop.example/",
        "tls_expiry_days": 30,
        "verify_tls": False,
        "assertions": [{"source": "certificate_days", "comparison": "greater_than", "target": "7"}],
    },
    "domain": {"url": "domain://www.shop.example.co.uk", "domain_expiry_days": 365},
    "multistep": {
        "verify_tls": False,
        "max_response_time_ms": 3000,
        "steps": [
            {
                "name": " log in \u00fc ",
                "method": "POST",
                "url": "https://shop.example/login",
                "headers": {"Content-Type": "application/json"},
                "body": '{"user": "probe"}\r\n',
                "extract": {"token": {"from": "$.token", "secret": True}, "etag": "header:ETag"},
            },
            {
                "name": "orders",
                "url": "https://shop.example/orders/{{ etag }}",
                "headers": {"Authorization": "Bearer {{token}}"},
                "expected_status": ["200", "3xx"],
                "assertions": [
                    {"source": "json_body", "property": "$['a b']", "comparison": "exists"}
                ],
            },
        ],
    },
    "browser": {
        "url": "https://shop.example/start?x=1",
        "steps": [
            {"action": "goto", "url": "/login"},
            # A tab, a line break, quotes, a backslash and unicode in what is typed.
            {"action": "fill", "selector": 'input[name="q"]', "value": 'a\tb\n"c" \\ ünï '},
            {"action": "press", "key": "Control+A"},
            {"action": "expect_text", "text": "  Total: 42,00 \u20ac"},
            {"action": "expect_text", "selector": "#total", "text": "42"},
            {"action": "expect_url", "pattern": "/done*"},
        ],
        "max_response_time_ms": 9000,
    },
    "heartbeat": {
        "cron": "*/5 3 * * 1-5",
        "timezone": "Europe/Paris",
        "grace_seconds": 0,
        "regions": ["eu-west"],
        "min_failed_regions": None,
    },
}
# Values the form shows with no kind of its own: a number :g would write in exponent
# form, a JSON string, JSON that is not an object.
VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("heartbeat", {"period_seconds": 2678400, "grace_seconds": 2678400}),
    ("json", {"json_expected": "  spaced  "}),
    ("json", {"json_expected": None, "timeout_seconds": 0.1}),
    ("http", {"body": "tab\there", "remind_every_minutes": 90}),
    ("http", {"body": ""}),  # an empty body, which is not no body
    ("keyword", {"domain_expiry_days": 1, "tls_expiry_days": 7}),  # both registrations
    ("http", {"tags": [], "group": None}),
]
CASES = [(kind, AWKWARD[kind]) for kind in AWKWARD] + VARIANTS


async def create(client: httpx.AsyncClient, auth: Headers, **body: Any) -> dict[str, Any]:
    created = await client.post(API, json={"name": "Shop", **body}, headers=auth)
    assert created.status_code == 201, created.text
    monitor: dict[str, Any] = created.json()
    return monitor


async def edit_form(browser: httpx.AsyncClient, monitor_id: int) -> tuple[str, Fields]:
    """The edit page and what its form sends as it stands."""
    page = await browser.get(f"/monitors/{monitor_id}/edit")
    assert page.status_code == 200, page.text
    return page.text, form_fields(page.text, f"/monitors/{monitor_id}/edit")


async def save_unchanged(browser: httpx.AsyncClient, monitor_id: int) -> httpx.Response:
    """Open the edit form and submit it as the browser would, nothing typed."""
    _, fields = await edit_form(browser, monitor_id)
    return await browser.post(f"/monitors/{monitor_id}/edit", data=as_data(fields))


@pytest.mark.parametrize(
    ("kind", "fields"), CASES, ids=[f"{kind}-{index}" for index, (kind, _) in enumerate(CASES)]
)
async def test_saving_the_edit_form_unchanged_changes_nothing(
    open_browser: OpenBrowser,
    client: httpx.AsyncClient,
    alice: Headers,
    kind: str,
    fields: dict[str, Any],
) -> None:
    body = {**COMMON, **AWKWARD[kind], **fields, "kind": kind}
    if kind == "heartbeat" and "period_seconds" in fields:
        body["cron"] = None
    created = await create(client, alice, **body)
    browser = await open_browser("alice@example.com")

    saved = await save_unchanged(browser, created["id"])

    assert saved.status_code == 303, saved.text
    after = (await client.get(f"{API}/{created['id']}", headers=alice)).json()
    assert after == created


async def test_the_form_shows_control_characters_as_escapes_and_says_where_blanks_are(
    open_browser: OpenBrowser, client: httpx.AsyncClient, alice: Headers
) -> None:
    tcp = await create(client, alice, kind="tcp", **AWKWARD["tcp"])
    keyword = await create(client, alice, kind="keyword", **AWKWARD["keyword"])
    browser = await open_browser("alice@example.com")

    _, tcp_form = await edit_form(browser, tcp["id"])
    page, keyword_form = await edit_form(browser, keyword["id"])

    assert dict(tcp_form)["tcp_send"] == "PING\\r\\n"
    assert dict(tcp_form)["tcp_expect"] == " +PONG\\\\r"  # doubled: not read as a CR
    assert dict(keyword_form)["keyword"] == " ALIVE "
    assert "Begins with a blank and ends with a blank, kept as they are." in page


async def test_a_body_with_cr_lf_line_ends_is_written_with_escapes_and_others_as_they_are(
    open_browser: OpenBrowser, client: httpx.AsyncClient, alice: Headers
) -> None:
    crlf = await create(client, alice, **AWKWARD["http"])
    plain = await create(client, alice, kind="keyword", **AWKWARD["keyword"])
    browser = await open_browser("alice@example.com")

    crlf_form = dict((await edit_form(browser, crlf["id"]))[1])
    plain_form = dict((await edit_form(browser, plain["id"]))[1])

    assert crlf_form["body"] == "line one\\r\r\nline two\\r\r\n"  # as sent: CR LF per line
    assert crlf_form["body_escapes"] == "true"
    assert plain_form["body"] == AWKWARD["keyword"]["body"].replace("\n", "\r\n")
    assert "body_escapes" not in plain_form


async def test_typed_escapes_are_read_as_the_characters_they_stand_for(
    open_browser: OpenBrowser,
    client: httpx.AsyncClient,
    alice: Headers,
) -> None:
    created = await create(client, alice, kind="tcp", url="tcp://db.example.com:6379")
    browser = await open_browser("alice@example.com")
    _, fields = await edit_form(browser, created["id"])

    typed = as_data(fields, tcp_send="QUIT\\r\\n", tcp_expect="\\x2bOK C:\\Temp")
    saved = await browser.post(f"/monitors/{created['id']}/edit", data=typed)

    assert saved.status_code == 303, saved.text
    after = (await client.get(f"{API}/{created['id']}", headers=alice)).json()
    assert after["tcp_send"] == "QUIT\r\n" and after["tcp_expect"] == "+OK C:\\Temp"
