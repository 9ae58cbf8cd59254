"""A region no live worker serves is said where people look: a warning on each monitor
checked from it, and the region listed by /api/v1/regions with its monitors."""

from __future__ import annotations

from typing import Any

import httpx

from api.conftest import CreateMonitor, Headers
from api.test_regions import beat
from betteruptime.db.session import SessionFactory

MONITORS = "/api/v1/monitors"


async def test_a_monitor_checked_from_a_region_with_no_live_worker_says_so(
    client: httpx.AsyncClient, alice: Headers, sessions: SessionFactory
) -> None:
    await beat(sessions, "w1", "eu", age_s=1, checked=1, missed=0)
    await beat(sessions, "w2", "us", age_s=600, checked=1, missed=0)  # went quiet
    body: dict[str, Any] = {"name": "shop", "url": "https://shop.example/", "regions": ["eu", "ap"]}

    created = await client.post(MONITORS, json=body, headers=alice)
    monitor_id = created.json()["id"]
    strict = await client.patch(
        f"{MONITORS}/{monitor_id}", json={"min_failed_regions": 2}, headers=alice
    )
    listed = (await client.get(MONITORS, headers=alice)).json()
    quiet = await client.post(MONITORS, json={**body, "regions": ["us"]}, headers=alice)
    fine = await client.post(MONITORS, json={**body, "regions": ["eu"]}, headers=alice)

    # Accepted (a worker may be on its way), but not silently never checked.
    assert created.status_code == 201
    assert created.json()["warnings"] == ["no live worker in ap"]
    assert strict.json()["warnings"] == [
        "no live worker in ap",
        "cannot go down: min_failed_regions is 2 and only 1 of its regions has a live worker",
    ]
    assert listed[0]["warnings"] == strict.json()["warnings"]
    assert quiet.json()["warnings"] == ["no live worker in us"]
    assert fine.json()["warnings"] == []


async def test_a_heartbeat_has_no_region_warnings(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    body = {"name": "backup", "kind": "heartbeat", "period_seconds": 3600, "regions": ["ap"]}

    created = await client.post(MONITORS, json=body, headers=alice)

    assert created.status_code == 201, created.text
    assert created.json()["warnings"] == []


async def test_regions_lists_a_region_your_monitors_need_with_no_worker_in_it(
    client: httpx.AsyncClient,
    alice: Headers,
    bob: Headers,
    sessions: SessionFactory,
    create_monitor: CreateMonitor,
) -> None:
    await beat(sessions, "w1", "eu", age_s=1, checked=5, missed=0)
    await create_monitor(alice, regions=["eu", "ap"])
    await create_monitor(alice, regions=["ap"])
    paused = await create_monitor(alice, regions=["sa"])
    await client.post(f"{MONITORS}/{paused['id']}/pause", headers=alice)
    await create_monitor(bob, regions=["af"])  # another account's: not alice's business

    rows = (await client.get("/api/v1/regions", headers=alice)).json()

    assert [row["region"] for row in rows] == ["ap", "eu"]
    ap, eu = rows
    assert (ap["live_workers"], ap["monitors"], ap["checked"], ap["last_seen_at"]) == (
        0,
        2,
        0,
        None,
    )
    assert (eu["live_workers"], eu["monitors"], eu["checked"]) == (1, 1, 5)
