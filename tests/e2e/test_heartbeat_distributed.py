"""Heartbeats in the distributed mode: `betteruptime api` publishes pings to RabbitMQ,
the ingester (its own process) records them, and the scheduler (its own process, leader
by PostgreSQL lock) publishes the missed one. Waits follow the product's promises
(testkit/heartbeats.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from testkit.api import signed_in_client
from testkit.cluster import api_cluster
from testkit.heartbeats import HeartbeatJob

pytestmark = pytest.mark.e2e
PERIOD, GRACE = 10, 1


@pytest.fixture
async def api_base(tmp_path: Path, cluster_database_url: str) -> AsyncIterator[str]:
    """The api, a scheduler and an ingester, each its own process; yields the api's URL."""
    async with api_cluster(tmp_path, cluster_database_url) as cluster:
        cluster.start("scheduler", "scheduler")
        cluster.start("ingester", "ingester")
        yield cluster.base
        for name, role in cluster.roles.items():
            assert role.stop() == 0, f"{name}:\n{role.log()}"


async def test_pings_and_a_missed_ping_travel_through_rabbitmq(api_base: str) -> None:
    async with signed_in_client(api_base) as api, httpx.AsyncClient(timeout=5) as client:
        body = {
            "name": "nightly backup",
            "kind": "heartbeat",
            "period_seconds": PERIOD,
            "grace_seconds": GRACE,
        }
        created = await api.post("/monitors", json=body)
        assert created.status_code == 201, created.text
        job = HeartbeatJob(api, client, created.json())

        last = await job.pinged(content=b"ok", method="POST")  # accepted the first time
        assert await job.status() == "up"
        await job.missed_after(last)
        await job.pinged()
        assert await job.status() == "up"
