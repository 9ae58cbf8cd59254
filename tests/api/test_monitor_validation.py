"""Every monitor field rule answers 422, naming the field and saying what is wrong."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from betteruptime.settings import Settings

MONITORS = "/api/v1/monitors"
VALID: dict[str, Any] = {"name": "Example", "url": "https://example.com/"}

# (fields added to a valid body, the field the error must name, words the message has)
CASES: list[tuple[dict[str, Any], str, str]] = [
    ({"name": ""}, "name", "at least 1"),
    ({"name": "x" * 201}, "name", "at most 200"),
    ({"kind": "tcp"}, "url", 'must be a tcp:// URL for a monitor of kind "tcp"'),
    ({"kind": "carrier-pigeon"}, "kind", "'http'"),
    ({"url": "ftp://example.com/"}, "url", "http(s)://, tcp://, dns://, icmp:// or domain://"),
    ({"url": None}, "url", 'is required for a monitor of kind "http"'),
    ({"url": "tcp://db.example.com:5432"}, "url", "must be a http:// or https:// URL"),
    ({"kind": "tcp", "url": "tcp://db.example.com"}, "url", "port"),
    ({"kind": "dns", "url": "dns://example.com/path"}, "url", "a host only"),
    ({"kind": "dns", "url": "dns://-bad-.example"}, "url", "valid DNS name"),
    ({"kind": "ping", "url": "icmp://"}, "url", "host"),
    ({"kind": "tls", "url": "http://example.com/"}, "url", "https://"),
    ({"kind": "heartbeat"}, "url", 'kind "heartbeat" has no url'),
    ({"kind": "heartbeat", "url": None}, "period_seconds", "period_seconds or cron"),
    (
        {"kind": "heartbeat", "url": None, "period_seconds": 60, "cron": "0 3 * * *"},
        "period_seconds",
        "not both",
    ),
    ({"period_seconds": 5}, "period_seconds", "greater than or equal to 10"),
    ({"dns_resolver": "dns.google"}, "dns_resolver", "IP address"),
    ({"dns_resolver": "1.1.1.1:70000"}, "dns_resolver", "port"),
    ({"dns_record_type": "SRV"}, "dns_record_type", "'A'"),
    ({"expected_values": [""]}, "expected_values[0]", "at least 1"),
    ({"tcp_send": ""}, "tcp_send", "at least 1"),
    ({"ping_count": 0}, "ping_count", "greater than or equal to 1"),
    ({"max_packet_loss_percent": 100}, "max_packet_loss_percent", "less than 100"),
    ({"tls_expiry_days": 0}, "tls_expiry_days", "greater than or equal to 1"),
    ({"url": "http://example.com/", "tls_expiry_days": 14}, "tls_expiry_days", "https"),
    ({"kind": "domain"}, "url", 'must be a domain:// URL for a monitor of kind "domain"'),
    ({"kind": "domain", "url": "domain://co.uk"}, "url", "public suffix such as co.uk"),
    ({"kind": "domain", "url": "domain://127.0.0.1"}, "url", "not an IP address"),
    ({"kind": "domain", "url": "domain://localhost"}, "url", "registered domain"),
    ({"kind": "domain", "url": "domain://example.com/whois"}, "url", "a host only"),
    ({"kind": "domain", "url": "domain://example.com:43"}, "url", "a host only"),
    (
        {"kind": "domain", "url": "domain://example.com", "max_response_time_ms": 5},
        "max_response_time_ms",
        'kind "domain" has no',
    ),
    ({"domain_expiry_days": 0}, "domain_expiry_days", "greater than or equal to 1"),
    ({"domain_expiry_days": 366}, "domain_expiry_days", "less than or equal to 365"),
    ({"url": "http://10.0.0.5/", "domain_expiry_days": 14}, "domain_expiry_days", "not an IP"),
    ({"url": "http://localhost:8080/", "domain_expiry_days": 14}, "domain_expiry_days", "domain"),
    (
        {"kind": "tcp", "url": "tcp://db.example.com:5432", "domain_expiry_days": 3},
        "domain_expiry_days",
        "kinds http, keyword, json and domain have it",
    ),
    ({"degraded_after_ms": 0}, "degraded_after_ms", "greater than or equal to 1"),
    ({"timezone": "Mars/Olympus"}, "timezone", "not a known time zone"),
    ({"url": "https:///path-only"}, "url", "host"),
    ({"url": "https://example.com:99999/"}, "url", "port"),
    ({"url": "https://exa mple.com/"}, "url", "spaces"),
    ({"url": "https://example.com/" + "a" * 2048}, "url", "at most 2048"),
    ({"method": "BREW"}, "method", "'GET'"),
    ({"headers": {"X-Foo": "a\r\nInjected: yes"}}, "headers.X-Foo", "line breaks"),
    ({"headers": {"X-Foo": "v" * 4097}}, "headers.X-Foo", "at most 4096"),
    ({"headers": {"Bad Name": "v"}}, "headers.Bad Name", "not a valid header name"),
    ({"headers": {"X-" + "a" * 256: "v"}}, "headers.X-" + "a" * 256, "at most 256"),
    ({"headers": {f"X-{i}": "v" for i in range(51)}}, "headers", "at most 50"),
    ({"headers": {"X-Foo": 1}}, "headers.X-Foo", "valid string"),
    ({"body": "x" * (64 * 1024 + 1)}, "body", "64 KiB"),
    ({"follow_redirects": "yes"}, "follow_redirects", "valid boolean"),
    ({"interval_seconds": 5}, "interval_seconds", "at least 10 seconds"),
    ({"interval_seconds": 86401}, "interval_seconds", "86400"),
    ({"interval_seconds": "60"}, "interval_seconds", "valid integer"),
    ({"interval_seconds": 60.5}, "interval_seconds", "valid integer"),
    ({"timeout_seconds": 0}, "timeout_seconds", "greater than 0"),
    ({"timeout_seconds": 60, "interval_seconds": 60}, "timeout_seconds", "below interval"),
    ({"regions": []}, "regions", "at least 1"),
    ({"regions": ["eu-west", "eu-west"]}, "regions", "unique"),
    ({"regions": ["EU West"]}, "regions[0]", "lowercase"),
    ({"regions": [f"r{i}" for i in range(17)]}, "regions", "at most 16"),
    ({"expected_status": [200, "abc"]}, "expected_status[1]", 'invalid status pattern "abc"'),
    ({"expected_status": ["300-200"]}, "expected_status[0]", "range starts after it ends"),
    ({"expected_status": [True]}, "expected_status[0]", "valid string"),
    ({"expected_status": "200"}, "expected_status", "valid list"),
    ({"keyword": "x" * 1001}, "keyword", "at most 1000"),
    ({"keyword_mode": "maybe"}, "keyword_mode", "'present'"),
    ({"kind": "keyword"}, "keyword", 'required for a monitor of kind "keyword"'),
    ({"kind": "json"}, "json_path", 'required for a monitor of kind "json"'),
    ({"kind": "json", "json_path": "$.a[x]"}, "json_path", "invalid JSON path"),
    ({"max_response_time_ms": 0}, "max_response_time_ms", "greater than or equal to 1"),
    ({"max_response_time_ms": 600_001}, "max_response_time_ms", "600000"),
    ({"failure_threshold": 0}, "failure_threshold", "greater than or equal to 1"),
    ({"recovery_threshold": 101}, "recovery_threshold", "less than or equal to 100"),
    ({"colour": "blue"}, "colour", "unknown field"),
]


@pytest.mark.parametrize(("fields", "field", "words"), CASES, ids=[c[1] for c in CASES])
async def test_it_names_the_field_and_the_rule_that_a_monitor_breaks(
    client: httpx.AsyncClient, alice: dict[str, str], fields: dict[str, Any], field: str, words: str
) -> None:
    response = await client.post(MONITORS, json={**VALID, **fields}, headers=alice)

    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "validation_error"
    assert field in body["message"]
    messages = {d["field"]: d["message"] for d in body["details"]}
    assert field in messages, messages
    assert words in messages[field]


async def test_it_requires_name_and_url(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    nameless = await client.post(MONITORS, json={}, headers=alice)
    urlless = await client.post(MONITORS, json={"name": "x"}, headers=alice)

    assert nameless.status_code == urlless.status_code == 422
    assert nameless.json()["details"] == [{"field": "name", "message": "this field is required"}]
    assert urlless.json()["details"] == [
        {
            "field": "url",
            "message": 'is required for a monitor of kind "http", as in https://example.com/',
        }
    ]


async def test_it_reports_every_broken_field_at_once(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    body = {"name": "", "url": "gopher://x", "failure_threshold": 0}

    response = await client.post(MONITORS, json=body, headers=alice)

    fields = [d["field"] for d in response.json()["details"]]
    assert fields == ["name", "url", "failure_threshold"]


async def test_it_applies_the_cross_field_rules_to_the_patched_result(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    created = await client.post(
        MONITORS, json={**VALID, "interval_seconds": 60, "timeout_seconds": 30}, headers=alice
    )
    url = f"{MONITORS}/{created.json()['id']}"

    shorter = await client.patch(url, json={"interval_seconds": 20}, headers=alice)
    to_keyword = await client.patch(url, json={"kind": "keyword"}, headers=alice)
    nulled = await client.patch(url, json={"name": None}, headers=alice)
    unknown = await client.patch(url, json={"id": 7}, headers=alice)

    assert shorter.status_code == 422
    assert shorter.json()["details"][0]["field"] == "timeout_seconds"
    assert to_keyword.json()["details"][0]["field"] == "keyword"
    assert nulled.json()["details"] == [
        {"field": "name", "message": "may not be null; leave the field out to keep its value"}
    ]
    assert unknown.json()["details"] == [{"field": "id", "message": "unknown field"}]
    unchanged = (await client.get(url, headers=alice)).json()
    assert (unchanged["interval_seconds"], unchanged["kind"]) == (60, "http")


async def test_it_names_the_server_minimum_interval_in_the_message(
    client: httpx.AsyncClient, alice: dict[str, str], settings: Settings
) -> None:
    settings.min_interval = 30

    response = await client.post(MONITORS, json={**VALID, "interval_seconds": 20}, headers=alice)

    assert "at least 30 seconds" in response.json()["details"][0]["message"]
