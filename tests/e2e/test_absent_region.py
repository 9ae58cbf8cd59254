"""A region with no live worker, with every role its own process (PostgreSQL, RabbitMQ,
Redis): workers run in `default` only, and monitors are checked from `default` and `eu`.

What the product promises (README § Regions and quorum): a due time does not wait for a
region with no live worker, so a result from `default` is decided in the transaction
that stores it; `min_failed_regions: 2` is not met by one region; and the missing region
is said where people look: the monitor's warnings, /api/v1/regions, /healthz.

Waits: how long a result takes to cross the processes is not promised, so the test waits
for the stored checks (up to STUCK_AFTER_SECONDS, which only means "stuck") and asserts
the status the moment they are listed.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from betteruptime.ingester.decisions import REGION_GRACE
from testkit.api import create_fast_monitor, signed_in_client
from testkit.cluster import Cluster, api_cluster
from testkit.heartbeats import STUCK_AFTER_SECONDS
from testkit.target import Target
from testkit.waiting import eventually

pytestmark = pytest.mark.e2e
TIMEOUT_SECONDS = 0.5  # create_fast_monitor's


@pytest.fixture
async def cluster(tmp_path: Path, cluster_database_url: str) -> AsyncIterator[Cluster]:
    async with api_cluster(tmp_path, cluster_database_url) as running:
        running.start("scheduler", "scheduler")
        running.start("worker-default", "worker", "--region", "default")
        running.start("ingester", "ingester")
        yield running


def _time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


class Watched:
    """One monitor as its owner sees it through the API."""

    def __init__(self, api: httpx.AsyncClient, monitor_id: int) -> None:
        self.api, self.id = api, monitor_id

    async def read(self) -> dict[str, Any]:
        found: dict[str, Any] = (await self.api.get(f"/monitors/{self.id}")).json()
        return found

    async def checks(self) -> list[dict[str, Any]]:
        """Its stored checks, newest first."""
        params = {"limit": 100}
        found: list[dict[str, Any]] = (
            await self.api.get(f"/monitors/{self.id}/checks", params=params)
        ).json()
        return found

    async def failures(self) -> list[dict[str, Any]]:
        return [check for check in await self.checks() if not check["up"]]

    async def listed(self, condition: Callable[[list[dict[str, Any]]], bool], what: str) -> None:
        """Wait until the stored checks meet `condition`; only a stuck pipeline times out."""

        async def met() -> bool:
            return condition(await self.checks())

        await eventually(met, within=STUCK_AFTER_SECONDS, what=what)


async def _regions(api: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    return {row["region"]: row for row in (await api.get("/regions")).json()}


async def test_a_region_without_workers_is_not_waited_for_and_is_reported(
    cluster: Cluster, target: Target
) -> None:
    async with signed_in_client(cluster.base) as api:
        await eventually(
            lambda: _live(api, "default"), within=STUCK_AFTER_SECONDS, what="a default worker"
        )
        both = ["default", "eu"]
        started = time.monotonic()
        either = Watched(api, await create_fast_monitor(api, target.url, regions=both))
        strict = Watched(
            api,
            await create_fast_monitor(
                api, target.url, name="strict", regions=both, min_failed_regions=2
            ),
        )
        stranded = Watched(
            api, await create_fast_monitor(api, target.url, name="stranded", regions=["eu"])
        )
        try:
            # Up as soon as default's first result is stored: eu is not waited for.
            await either.listed(bool, "a first check")
            assert (await either.read())["status"] == "up"
            up_after = time.monotonic() - started

            # default fails: down once two failures are stored (failure_threshold 2).
            target.failing_regions = {"default"}
            failing_since = time.monotonic()
            await either.listed(lambda c: sum(not x["up"] for x in c) >= 2, "two failures")
            assert (await either.read())["status"] == "down"
            down_after = time.monotonic() - failing_since

            # min_failed_regions 2: default alone never takes it down, not even once the
            # decisions an absent region used to delay would have been made.
            span = timedelta(seconds=TIMEOUT_SECONDS) + REGION_GRACE + timedelta(seconds=2)

            async def strict_failed_long_enough() -> bool:
                assert (await strict.read())["status"] != "down"
                failed = await strict.failures()
                return bool(failed) and (
                    _time(failed[0]["due_at"]) - _time(failed[-1]["due_at"]) >= span
                )

            await eventually(
                strict_failed_long_enough,
                within=span.total_seconds() + STUCK_AFTER_SECONDS,
                what="failures spanning the old region wait",
            )
            assert (await strict.read())["status"] == "up"

            # Said where people look.
            assert (await either.read())["warnings"] == ["no live worker in eu"]
            assert (await strict.read())["warnings"] == [
                "no live worker in eu",
                "cannot go down: min_failed_regions is 2 and only 1 of its regions has "
                "a live worker",
            ]
            stranded_now = await stranded.read()
            assert (stranded_now["status"], stranded_now["warnings"]) == (
                "pending",
                ["no live worker in eu"],
            )
            regions = await _regions(api)
            assert (regions["eu"]["live_workers"], regions["eu"]["monitors"]) == (0, 3)
            assert regions["default"]["monitors"] == 2
            async with httpx.AsyncClient(base_url=cluster.base) as plain:
                health = (await plain.get("/healthz")).json()
            assert health["status"] == "degraded"
            assert health["engines"]["workers"]["state"] == "degraded"
            assert health["engines"]["workers"]["regions"]["eu"]["state"] == "missing"
            print(f"up {up_after:.1f} s after creation, down {down_after:.1f} s after failing")
        except AssertionError:
            print(cluster.logs())
            raise
    for name, role in cluster.roles.items():
        assert role.stop() == 0, f"{name} did not exit cleanly:\n{role.log()[-2000:]}"


async def _live(api: httpx.AsyncClient, region: str) -> bool:
    row = (await _regions(api)).get(region)
    return row is not None and int(row["live_workers"]) > 0
