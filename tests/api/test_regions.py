"""Regions as the workers' heartbeats describe them, and the default regions they imply."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

import httpx

from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.domain.messages import WorkerHeartbeat
from betteruptime.ingester.worker_heartbeats import record_heartbeats
from betteruptime.runtime.app import create_app
from betteruptime.services.regions import region_backlogs
from betteruptime.settings import Settings
from betteruptime.transport.base import Broker, Consumer, TransportError
from betteruptime.transport.memory import MemoryBroker
from betteruptime.transport.queues import ResultQueue, jobs_queue

Headers = dict[str, str]


async def beat(
    sessions: SessionFactory,
    worker: str,
    region: str,
    *,
    age_s: float,
    checked: int,
    missed: int,
    browser: bool = False,
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
                    browser=browser,
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


class BrokenBroker(Broker):
    """A broker whose queues cannot be read: down, or slow to answer."""

    def __init__(self, *, hang: bool = False) -> None:
        self.hang = hang

    async def publish(self, queue: str, bodies: Sequence[bytes]) -> None:
        raise TransportError("down")

    async def consumer(self, queue: str, *, prefetch: int) -> Consumer:
        raise TransportError("down")

    async def queue_depth(self, queue: str) -> int:
        if self.hang:
            await asyncio.sleep(60)
        raise TransportError("down")


async def regions_of(
    settings: Settings, sessions: SessionFactory, broker: Broker, headers: Headers
) -> dict[str, dict[str, object]]:
    app = create_app(settings, sessions, ResultQueue(broker))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/api/v1/regions", headers=headers)
    assert response.status_code == 200, response.text
    return {row["region"]: row for row in response.json()}


async def test_each_region_says_how_many_job_batches_wait_in_its_queue(
    settings: Settings, sessions: SessionFactory, alice: Headers
) -> None:
    await beat(sessions, "w1", "eu", age_s=1, checked=1, missed=0)
    await beat(sessions, "w2", "us", age_s=1, checked=1, missed=0)
    broker = MemoryBroker()
    await broker.publish(jobs_queue("eu"), [b"[]", b"[]", b"[]"])

    by_region = await regions_of(settings, sessions, broker, alice)

    assert (by_region["eu"]["backlog"], by_region["us"]["backlog"]) == (3, 0)
    # Consumed (not yet acked) is no longer waiting.
    consumer = await broker.consumer(jobs_queue("eu"), prefetch=2)
    await consumer.get()
    assert (await regions_of(settings, sessions, broker, alice))["eu"]["backlog"] == 2


async def test_the_backlog_is_null_without_a_broker(
    client: httpx.AsyncClient, alice: Headers, sessions: SessionFactory
) -> None:
    await beat(sessions, "w1", "eu", age_s=1, checked=1, missed=0)

    rows = (await client.get("/api/v1/regions", headers=alice)).json()

    assert rows[0]["backlog"] is None


async def test_a_broker_that_fails_leaves_the_backlog_null_not_the_page_broken(
    settings: Settings, sessions: SessionFactory, alice: Headers
) -> None:
    await beat(sessions, "w1", "eu", age_s=1, checked=1, missed=0)

    by_region = await regions_of(settings, sessions, BrokenBroker(), alice)

    assert by_region["eu"]["backlog"] is None
    assert by_region["eu"]["live_workers"] == 1


async def test_a_broker_that_hangs_is_given_up_on_in_bounded_time() -> None:
    backlogs = await asyncio.wait_for(
        region_backlogs(BrokenBroker(hang=True), ["eu", "us"], within_seconds=0.05), 5
    )

    assert backlogs == {"eu": None, "us": None}
