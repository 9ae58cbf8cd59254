"""Heartbeats in the distributed mode: `betteruptime api` publishes pings to RabbitMQ,
the ingester (its own process) records them, and the scheduler (its own process, leader
by PostgreSQL lock) publishes the missed one."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from testkit.api import signed_in_client, status_reader
from testkit.cluster import api_cluster
from testkit.waiting import eventually

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
    async with signed_in_client(api_base) as api, httpx.AsyncClient(timeout=5) as job:
        body = {
            "name": "nightly backup",
            "kind": "heartbeat",
            "period_seconds": PERIOD,
            "grace_seconds": GRACE,
        }
        created = (await api.post("/monitors", json=body)).json()
        has_status = status_reader(api, created["id"])

        async def ping() -> bool:
            return (await job.post(created["ping_url"], content=b"ok")).status_code == 200

        await eventually(ping, within=5, what="the first ping accepted")
        await eventually(lambda: has_status("up"), within=10, what="up after a ping")
        last_ping = time.monotonic()
        await eventually(
            lambda: has_status("down"), within=PERIOD + GRACE + 5, what="down after silence"
        )
        assert time.monotonic() - last_ping <= PERIOD + GRACE + 4
        assert await ping()
        await eventually(lambda: has_status("up"), within=5, what="up after the next ping")
