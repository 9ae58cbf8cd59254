"""Creating heartbeat monitors: their own threshold defaults and a checked cron."""

from __future__ import annotations

import httpx
import pytest

MONITORS = "/api/v1/monitors"
Headers = dict[str, str]


async def test_a_heartbeat_goes_down_on_one_missed_ping_and_up_on_one_ping_by_default(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    body = {"name": "backup", "kind": "heartbeat", "period_seconds": 3600}

    created = await client.post(MONITORS, json=body, headers=alice)

    assert created.status_code == 201, created.text
    assert (created.json()["failure_threshold"], created.json()["recovery_threshold"]) == (1, 1)


async def test_thresholds_sent_by_the_client_are_kept_for_a_heartbeat(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    body = {
        "name": "backup",
        "kind": "heartbeat",
        "period_seconds": 3600,
        "failure_threshold": 3,
        "recovery_threshold": 2,
    }

    created = (await client.post(MONITORS, json=body, headers=alice)).json()

    assert (created["failure_threshold"], created["recovery_threshold"]) == (3, 2)


async def test_other_kinds_keep_their_thresholds(client: httpx.AsyncClient, alice: Headers) -> None:
    body = {"name": "site", "url": "https://example.com/"}

    created = (await client.post(MONITORS, json=body, headers=alice)).json()

    assert (created["failure_threshold"], created["recovery_threshold"]) == (3, 2)


@pytest.mark.parametrize(
    ("cron", "message"),
    [("0 3 * * * *", "5 fields"), ("0 25 * * *", "Bad hour"), ("*/5 * * 2-1 *", "month")],
)
async def test_a_cron_that_cannot_fire_is_refused_with_the_reason(
    client: httpx.AsyncClient, alice: Headers, cron: str, message: str
) -> None:
    body = {"name": "backup", "kind": "heartbeat", "cron": cron}

    refused = await client.post(MONITORS, json=body, headers=alice)

    assert refused.status_code == 422
    [detail] = refused.json()["details"]
    assert detail["field"] == "cron" and message in detail["message"]
