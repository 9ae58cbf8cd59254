"""Changing a monitor's kind through the API: the fields of the old kind go, what both
kinds have stays, and every kind can become every other one and back again."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import httpx
import pytest

from betteruptime.config_as_code.export import export_text
from betteruptime.db.session import SessionFactory

MONITORS = "/api/v1/monitors"
# Set on every monitor, none at its default, so keeping them is seen.
COMMON: dict[str, Any] = {
    "interval_seconds": 30,
    "timeout_seconds": 3.5,
    "regions": ["eu-west", "us-east"],
    "min_failed_regions": 1,
    "failure_threshold": 4,
    "recovery_threshold": 5,
    "remind_every_minutes": 15,
}
# Each kind with every field it has beyond COMMON, none at its default: the test's own
# account of which kind has which field (README, "Monitors").
_PROBED = {"max_response_time_ms": 900, "degraded_after_ms": 700}
_HTTP: dict[str, Any] = {
    **_PROBED,
    "method": "POST",
    "headers": {"X-Probe": "yes"},
    "body": "ping",
    "follow_redirects": False,
    "verify_tls": False,
    "expected_status": ["201"],
    "keyword": "fine",
    "keyword_mode": "absent",
    "json_path": "$.up",
    "json_expected": 1,
    "tls_expiry_days": 20,
    "assertions": [{"source": "certificate_days", "comparison": "greater_than", "target": "9"}],
}
FULL: dict[str, dict[str, Any]] = {
    "http": {"url": "https://a.example/", **_HTTP},
    "keyword": {"url": "https://k.example/", **_HTTP, "keyword": "ok", "keyword_mode": "present"},
    "json": {"url": "https://j.example/", **_HTTP, "json_path": "$.ok", "json_expected": True},
    "tcp": {"url": "tcp://t.example:25", **_PROBED, "tcp_send": "HELO\r\n", "tcp_expect": "250"},
    "dns": {
        "url": "dns://d.example",
        **_PROBED,
        "dns_record_type": "MX",
        "dns_resolver": "1.1.1.1",
        "expected_values": ["mx.d.example"],
        "max_response_time_ms": 300,
    },
    "ping": {"url": "icmp://p.example", **_PROBED, "ping_count": 5, "max_packet_loss_percent": 2.5},
    "tls": {
        "url": "https://s.example/",
        **_PROBED,
        "verify_tls": False,
        "tls_expiry_days": 30,
        "assertions": [{"source": "certificate_days", "comparison": "less_than", "target": "400"}],
    },
    "heartbeat": {"cron": "0 3 * * *", "timezone": "Europe/Paris", "grace_seconds": 30},
}
# What the server makes or keeps on its own, not what the monitor is.
_OWN = ("id", "name", "ping_url", "status", "last_checked_at", "created_at", "updated_at")


def settings_of(monitor: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in monitor.items() if name not in _OWN}


async def create(client: httpx.AsyncClient, auth: dict[str, str], **body: Any) -> dict[str, Any]:
    created = await client.post(MONITORS, json={"name": "m", **COMMON, **body}, headers=auth)
    assert created.status_code == 201, created.text
    monitor: dict[str, Any] = created.json()
    return monitor


async def change(
    client: httpx.AsyncClient, auth: dict[str, str], monitor_id: int, **body: Any
) -> dict[str, Any]:
    changed = await client.patch(f"{MONITORS}/{monitor_id}", json=body, headers=auth)
    assert changed.status_code == 200, changed.text
    monitor: dict[str, Any] = changed.json()
    return monitor


def kept(fields: dict[str, Any], kind: str) -> dict[str, Any]:
    """The `fields` a monitor of `kind` has too."""
    return {name: value for name, value in fields.items() if name in FULL[kind]}


PAIRS = list(combinations(FULL, 2))


@pytest.mark.parametrize(("first", "second"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
async def test_a_monitor_changes_kind_and_back_as_if_made_as_each(
    client: httpx.AsyncClient, alice: dict[str, str], first: str, second: str
) -> None:
    for a, b in ((first, second), (second, first)):
        original = await create(client, alice, kind=a, **FULL[a])

        changed = await change(client, alice, original["id"], kind=b, **FULL[b])
        back = await change(client, alice, original["id"], kind=a, **FULL[a])

        # Each time, what making it as the new kind would have made: the fields sent,
        # and those of the kind before that the new kind has too.
        assert settings_of(changed) == settings_of(
            await create(client, alice, kind=b, **(kept(FULL[a], b) | FULL[b]))
        ), f"{a} -> {b}"
        assert settings_of(back) == settings_of(
            await create(client, alice, kind=a, **(kept(FULL[b], a) | FULL[a]))
        ), f"{a} -> {b} -> {a}"
        if not kept(FULL[b], a).keys() - FULL[a].keys():  # nothing of `b` stays
            assert settings_of(back) == settings_of(original), f"{a} -> {b} -> {a}"
        assert (changed["ping_url"] is None) == (b != "heartbeat")
        assert (back["ping_url"] is None) == (a != "heartbeat")


async def test_a_heartbeat_turned_http_has_no_cron_grace_or_time_zone_and_can_turn_back(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    heartbeat = await create(
        client, alice, kind="heartbeat", cron="0 3 * * *", timezone="Europe/Paris",
        grace_seconds=120, failure_threshold=1, recovery_threshold=1,
    )  # fmt: skip

    http = await change(client, alice, heartbeat["id"], kind="http", url="https://e.example/")
    again = await change(client, alice, heartbeat["id"], kind="heartbeat", period_seconds=3600)

    assert http["cron"] is None and http["grace_seconds"] is None
    assert http["timezone"] == "UTC" and http["ping_url"] is None
    # Its thresholds were a heartbeat's defaults: now an http monitor's.
    assert (http["failure_threshold"], http["recovery_threshold"]) == (3, 2)
    assert again["period_seconds"] == 3600 and again["grace_seconds"] == 60
    assert again["url"] is None and again["ping_url"]
    assert (again["failure_threshold"], again["recovery_threshold"]) == (1, 1)


async def test_a_field_the_kind_does_not_have_is_refused_with_the_kinds_that_have_it(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    monitor = await create(client, alice, url="https://e.example/")

    refused = await client.patch(
        f"{MONITORS}/{monitor['id']}", json={"cron": "0 3 * * *"}, headers=alice
    )
    created = await client.post(
        MONITORS, json={"name": "x", "kind": "tcp", "url": "tcp://h:1", "keyword": "ok"},
        headers=alice,
    )  # fmt: skip

    assert refused.status_code == 422
    assert refused.json()["details"] == [
        {
            "field": "cron",
            "message": 'a monitor of kind "http" has no cron (only kind heartbeat has it)',
        }
    ]
    assert created.status_code == 422
    assert created.json()["details"][0]["field"] == "keyword"


async def test_export_after_a_kind_change_writes_only_the_new_kinds_fields(
    client: httpx.AsyncClient, alice: dict[str, str], sessions: SessionFactory
) -> None:
    heartbeat = await create(client, alice, kind="heartbeat", **FULL["heartbeat"])
    await change(client, alice, heartbeat["id"], kind="http", url="https://e.example/")

    async with sessions() as session:
        exported = await export_text(session, email="alice@example.com")

    assert "cron" not in exported and "grace_seconds" not in exported
    assert "timezone" not in exported and "Europe/Paris" not in exported
