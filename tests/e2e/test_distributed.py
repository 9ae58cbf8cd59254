"""The distributed mode as an operator runs it: every role its own process on PostgreSQL,
RabbitMQ and Redis; two schedulers, two ingesters; workers in regions eu and us; a target
that fails for one region only (it tells them apart by the User-Agent).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TypeVar

import pytest

from testkit.api import create_fast_monitor, signed_in_client, status_reader
from testkit.cluster import (
    Cluster,
    active_scheduler,
    api_cluster,
)
from testkit.receivers import WebhookReceiver
from testkit.target import Target
from testkit.waiting import eventually

T = TypeVar("T")

pytestmark = pytest.mark.e2e
SCHEDULERS = ("scheduler-1", "scheduler-2")


@pytest.fixture
async def cluster(tmp_path: Path, cluster_database_url: str) -> AsyncIterator[Cluster]:
    async with api_cluster(tmp_path, cluster_database_url) as running:
        running.start("scheduler-1", "scheduler")
        running.start("scheduler-2", "scheduler")
        running.start("worker-eu", "worker", "--region", "eu")
        running.start("worker-us", "worker", "--region", "us")
        running.start("ingester-1", "ingester")
        running.start("ingester-2", "ingester")  # several may run: results are idempotent
        running.start("notifier", "notifier")
        yield running


async def test_regions_quorum_and_scheduler_failover_across_processes(
    cluster: Cluster, target: Target, webhook: WebhookReceiver
) -> None:
    async with signed_in_client(cluster.base) as api:
        channel = await api.post("/channels", json={"name": "ops", "url": webhook.url()})
        assert channel.status_code == 201, channel.text
        monitor_id = await create_fast_monitor(
            api, target.url, regions=["eu", "us"], channel_ids=[channel.json()["id"]]
        )
        has_status = status_reader(api, monitor_id)
        try:
            await eventually(lambda: has_status("up"), within=30, what="monitor up")
            assert target.hits.get("eu", 0) > 0 and target.hits.get("us", 0) > 0

            # Failing for one region of two: the monitor stays up, no incident.
            target.failing_regions = {"eu"}
            eu_failing_since = time.time()
            await asyncio.sleep(5)
            assert await has_status("up")
            checks = (await api.get(f"/monitors/{monitor_id}/checks", params={"limit": 20})).json()
            assert any(c["region"] == "eu" and not c["up"] for c in checks)
            assert (await api.get("/incidents", params={"monitor_id": monitor_id})).json() == []

            # Failing for both: down, one incident naming both regions.
            target.failing_regions = {"eu", "us"}
            await eventually(lambda: has_status("down"), within=20, what="monitor down")
            incidents = (await api.get("/incidents", params={"monitor_id": monitor_id})).json()
            assert [i["status"] for i in incidents] == ["open"]
            assert "eu:" in incidents[0]["cause"] and "us:" in incidents[0]["cause"]

            # Recovering: up again, incident resolved.
            target.failing_regions = set()
            await eventually(lambda: has_status("up"), within=20, what="monitor back up")
            incident = (await api.get(f"/incidents/{incidents[0]['id']}")).json()
            assert incident["status"] == "resolved"
            # Through the notifier role and Redis Streams: one down, one up message.
            await eventually(
                lambda: _async(len(webhook.received) >= 2), within=15, what="two messages"
            )

            # SIGKILL the active scheduler: the standby takes over and checks keep flowing.
            leader = await eventually(
                lambda: _async(active_scheduler(cluster, SCHEDULERS)),
                within=10,
                what="an active scheduler",
            )
            cluster.roles[leader].kill()
            killed_at = time.time()

            async def fresh_checks_after_kill() -> bool:
                recent = (
                    await api.get(f"/monitors/{monitor_id}/checks", params={"limit": 10})
                ).json()
                return any(_epoch(c["checked_at"]) > killed_at + 1 for c in recent)

            await eventually(fresh_checks_after_kill, within=20, what="checks after failover")
            failover_s = time.time() - killed_at
            standby = "scheduler-2" if leader == "scheduler-1" else "scheduler-1"
            assert "event=leading" in cluster.roles[standby].log()
            print(
                f"failover: checks flowing again {failover_s:.1f} s after SIGKILL "
                f"(eu failing since {eu_failing_since:.0f})"
            )
        except AssertionError:
            print(cluster.logs())
            raise

    notifier_log = cluster.roles["notifier"].log()
    # One outage: exactly one down and one up event, though two ingesters relayed.
    assert len(re.findall(rf"type=down monitor_id={monitor_id}\b", notifier_log)) == 1, notifier_log
    assert len(re.findall(rf"type=up monitor_id={monitor_id}\b", notifier_log)) == 1, notifier_log
    for name, role in cluster.roles.items():
        if role.running():
            assert role.stop() == 0, f"{name} did not exit cleanly:\n{role.log()[-2000:]}"
    assert webhook.titles() == ["[DOWN] local target", "[RECOVERED] local target"]
    assert "Failing regions: eu, us (of eu, us)" in webhook.received[0].message


async def _async(value: T) -> T:
    return value


def _epoch(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
