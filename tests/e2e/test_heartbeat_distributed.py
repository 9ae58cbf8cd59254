"""Heartbeats in the distributed mode: `betteruptime api` publishes pings to RabbitMQ,
the ingester (its own process) records them, and the scheduler (its own process, leader
by PostgreSQL lock) publishes the missed one."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from testkit.api import signed_in_client, status_reader, wait_healthy
from testkit.engines import RABBITMQ_URL, REDIS_URL, purge_rabbitmq_queues
from testkit.processes import BetterUptimeProcess
from testkit.waiting import eventually, free_port

pytestmark = pytest.mark.e2e
PERIOD, GRACE = 10, 1


@pytest.fixture
async def api_base(tmp_path: Path, cluster_database_url: str) -> AsyncIterator[str]:
    await purge_rabbitmq_queues(RABBITMQ_URL, ["results", "jobs.default", "workers"])
    port = free_port()
    env = {
        "DATABASE_URL": cluster_database_url,
        "RABBITMQ_URL": RABBITMQ_URL,
        "REDIS_URL": REDIS_URL,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "BETTERUPTIME_MIN_INTERVAL": "1",
        "BETTERUPTIME_SECRET_KEY": uuid.uuid4().hex * 2,
    }
    api = BetterUptimeProcess(["api"], folder=tmp_path, env=env, name="api")
    roles = [api]
    try:
        await wait_healthy(api, f"http://127.0.0.1:{port}")  # it migrates the database
        for role in ("scheduler", "ingester"):
            roles.append(BetterUptimeProcess([role], folder=tmp_path, env=env, name=role))
        yield f"http://127.0.0.1:{port}"
        for process in roles:
            assert process.stop() == 0, process.log()
    finally:
        for process in roles:
            process.kill()


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
