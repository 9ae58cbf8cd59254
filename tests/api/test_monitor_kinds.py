"""Monitors of every kind through the API: the URL each takes, the defaults each gets,
and a heartbeat's secret ping URL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

Create = Callable[..., Awaitable[dict[str, Any]]]
MONITORS = "/api/v1/monitors"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"kind": "tcp", "url": "tcp://db.example.com:5432", "tcp_send": "PING\r\n"},
            {"tcp_send": "PING\r\n", "tcp_expect": None},
        ),
        (
            {"kind": "dns", "url": "dns://example.com", "expected_values": ["93.184.216.34"]},
            {"dns_record_type": "A", "dns_resolver": None, "expected_values": ["93.184.216.34"]},
        ),
        (
            {
                "kind": "dns",
                "url": "dns://example.com",
                "dns_record_type": "MX",
                "dns_resolver": "[::1]:5353",
            },
            {"dns_record_type": "MX", "dns_resolver": "[::1]:5353"},
        ),
        (
            {"kind": "ping", "url": "icmp://10.0.0.1", "ping_count": 5},
            {"ping_count": 5, "max_packet_loss_percent": None},
        ),
        ({"kind": "tls", "url": "https://example.com/"}, {"tls_expiry_days": 14}),
        (
            {
                "kind": "http",
                "url": "https://example.com/",
                "tls_expiry_days": 30,
                "degraded_after_ms": 800,
            },
            {"tls_expiry_days": 30, "degraded_after_ms": 800},
        ),
        ({"kind": "http", "url": "https://example.com/"}, {"tls_expiry_days": None}),
    ],
)
async def test_each_kind_is_created_with_its_fields_and_defaults(
    alice: dict[str, str], create_monitor: Create, fields: dict[str, Any], expected: dict[str, Any]
) -> None:
    monitor = await create_monitor(alice, **fields)

    assert {name: monitor[name] for name in expected} == expected
    assert monitor["ping_url"] is None


async def test_a_heartbeat_has_no_url_and_a_secret_ping_url(
    client: httpx.AsyncClient, alice: dict[str, str], bob: dict[str, str]
) -> None:
    body = {"name": "nightly backup", "kind": "heartbeat", "period_seconds": 86400}

    first = (await client.post(MONITORS, json=body, headers=alice)).json()
    second = (await client.post(MONITORS, json=body, headers=bob)).json()

    assert first["url"] is None and first["grace_seconds"] == 60
    assert first["ping_url"].startswith("http://test/ping/")
    token = first["ping_url"].rsplit("/", 1)[1]
    assert len(token) >= 32 and token not in second["ping_url"]
    fetched = await client.get(f"{MONITORS}/{first['id']}", headers=alice)
    assert fetched.json()["ping_url"] == first["ping_url"]


async def test_a_monitor_can_become_a_heartbeat_and_back(
    client: httpx.AsyncClient, alice: dict[str, str], create_monitor: Create
) -> None:
    monitor = await create_monitor(alice)
    url = f"{MONITORS}/{monitor['id']}"

    refused = await client.patch(url, json={"kind": "heartbeat"}, headers=alice)
    heartbeat = await client.patch(
        url, json={"kind": "heartbeat", "cron": "0 3 * * *"}, headers=alice
    )
    back = await client.patch(
        url, json={"kind": "http", "url": "https://example.com/"}, headers=alice
    )

    assert refused.status_code == 422
    assert refused.json()["details"][0]["field"] == "period_seconds"
    assert heartbeat.status_code == 200, heartbeat.text
    assert heartbeat.json()["ping_url"] and heartbeat.json()["cron"] == "0 3 * * *"
    assert back.status_code == 200, back.text
    assert back.json()["url"] == "https://example.com/" and back.json()["ping_url"] is None
