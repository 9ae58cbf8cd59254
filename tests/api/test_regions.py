"""Regions as the workers' heartbeats describe them, and the default regions they imply."""

from __future__ import annotations

from datetime import timedelta

import httpx

from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.domain.messages import WorkerHeartbeat
from betteruptime.services.regions import record_heartbeats

Headers = dict[str, str]


async def beat(
    sessions: SessionFactory, worker: str, region: str, *, age_s: float, checked: int, missed: int
) -> None:
    now = utcnow()
    async with sessions() as session, session.begin():
        await record_heartbeats(
            session,
            [
                WorkerHeartbeat(
                    worker_id=worker,
                    region=region,
                    started_at=now - timedelta(hours=1),
                    at=now - timedelta(seconds=age_s),
                    checked_total=checked,
                    missed_total=missed,
                )
            ],
        )


async def test_it_lists_regions_with_live_workers_and_their_missed_checks(
    client: httpx.AsyncClient, alice: Headers, sessions: SessionFactory
) -> None:
    await beat(sessions, "w1", "eu", age_s=1, checked=100, missed=3)
    await beat(sessions, "w2", "eu", age_s=60, checked=50, missed=0)  # gone quiet
    await beat(sessions, "w3", "us", age_s=2, checked=10, missed=0)
    response = await client.get("/api/v1/regions", headers=alice)
    assert response.status_code == 200
    by_region = {row["region"]: row for row in response.json()}
    assert by_region["eu"]["live_workers"] == 1
    assert (by_region["eu"]["checked"], by_region["eu"]["missed"]) == (150, 3)
    assert by_region["us"]["live_workers"] == 1


async def test_a_new_monitor_defaults_to_the_regions_with_live_workers(
    client: httpx.AsyncClient, alice: Headers, sessions: SessionFactory
) -> None:
    await beat(sessions, "w1", "eu", age_s=1, checked=1, missed=0)
    await beat(sessions, "w3", "us", age_s=1, checked=1, missed=0)
    await beat(sessions, "w9", "ap", age_s=600, checked=1, missed=0)  # long dead
    created = await client.post(
        "/api/v1/monitors",
        headers=alice,
        json={"name": "x", "url": "https://example.com/", "interval_seconds": 60},
    )
    assert created.status_code == 201, created.text
    assert created.json()["regions"] == ["eu", "us"]


async def test_an_older_heartbeat_does_not_overwrite_a_newer_one(
    sessions: SessionFactory, client: httpx.AsyncClient, alice: Headers
) -> None:
    await beat(sessions, "w1", "eu", age_s=1, checked=100, missed=0)
    await beat(sessions, "w1", "eu", age_s=30, checked=90, missed=0)
    rows = (await client.get("/api/v1/regions", headers=alice)).json()
    assert rows[0]["checked"] == 100


async def test_regions_need_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/regions")).status_code == 401
