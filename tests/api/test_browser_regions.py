"""A region with browser checks and no worker started with --browser is treated like a
region with no worker: the monitor warns, /regions says so, /healthz is degraded."""

from __future__ import annotations

import httpx

from api.conftest import CreateMonitor, Headers
from api.test_health import healthz
from api.test_regions import beat
from betteruptime.db.session import SessionFactory
from betteruptime.settings import Settings
from conftest import MonitorFactory

STEPS = [{"action": "wait_for", "selector": "#buy"}]


async def test_a_browser_monitor_warns_until_a_browser_worker_is_live(
    alice: Headers,
    client: httpx.AsyncClient,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    await beat(sessions, "plain", "eu", age_s=1, checked=0, missed=0)
    browser = await create_monitor(alice, kind="browser", steps=STEPS, regions=["eu"])
    http = await create_monitor(alice, regions=["eu"])

    assert browser["warnings"] == ["no live browser worker in eu"]
    assert http["warnings"] == []
    regions = (await client.get("/api/v1/regions", headers=alice)).json()
    assert [
        (r["region"], r["live_workers"], r["live_browser_workers"], r["browser_monitors"])
        for r in regions
    ] == [("eu", 1, 0, 1)]

    await beat(sessions, "chromium", "eu", age_s=1, checked=0, missed=0, browser=True)

    fetched = await client.get(f"/api/v1/monitors/{browser['id']}", headers=alice)
    assert fetched.json()["warnings"] == []
    regions = (await client.get("/api/v1/regions", headers=alice)).json()
    assert regions[0]["live_browser_workers"] == 1


async def test_healthz_says_a_region_is_missing_its_browser_worker(
    settings: Settings, sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    await beat(sessions, "plain", "eu", age_s=1, checked=0, missed=0)
    await make_monitor(kind="browser", steps=STEPS, regions=["eu"])

    body = (await healthz(settings, sessions)).json()

    assert body["status"] == "degraded"
    assert body["engines"]["workers"]["regions"]["eu"] == {
        "state": "missing",
        "live": 1,
        "last_seen_at": body["engines"]["workers"]["regions"]["eu"]["last_seen_at"],
        "monitors": 1,
        "live_browser": 0,
        "browser_monitors": 1,
    }

    await beat(sessions, "chromium", "eu", age_s=1, checked=0, missed=0, browser=True)

    again = (await healthz(settings, sessions)).json()
    assert again["engines"]["workers"]["regions"]["eu"]["state"] == "ok"
