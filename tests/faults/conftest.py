"""The fault tests' stack: the distributed mode on PostgreSQL, RabbitMQ and Redis, each
role a real process the test can SIGKILL, and the counting that proves nothing was lost:
what the schedulers published, what the workers checked or missed, what was stored."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import httpx
import pytest
from sqlalchemy import func, select

from betteruptime.db.models import Check, Incident, WorkerStatus
from betteruptime.db.session import create_engine, session_factory
from testkit.api import create_fast_monitor, status_reader
from testkit.cluster import (
    Cluster,
    api_cluster,
    stopped_totals,
)
from testkit.engines import RABBITMQ_URL
from testkit.waiting import eventually

REGION = "eu"
# Every check waits this long for its answer, so each worker always has checks in
# flight: a kill lands mid-batch.
TARGET_DELAY_SECONDS = 0.4


@pytest.fixture
async def cluster(tmp_path: Path, cluster_database_url: str) -> AsyncIterator[Cluster]:
    """The api alone; each test starts the other roles."""
    async with api_cluster(tmp_path, cluster_database_url) as running:
        yield running


@dataclass
class Counts:
    """One fault's tally: nothing lost means every published job is stored or missed."""

    published: int
    stored: int
    missed: int
    checked: int

    def assert_nothing_lost(self) -> None:
        # A due time is stored at most once (the key is monitor, due time, region), and
        # only for a job that was published; every published job ended stored or missed.
        assert self.stored <= self.published, self
        assert self.stored + self.missed >= self.published, self

    def report(self, fault: str) -> str:
        return (
            f"{fault}: due published={self.published} stored={self.stored} "
            f"missed={self.missed} checked={self.checked}"
        )


class Store:
    """Reads what the cluster stored, straight from PostgreSQL."""

    def __init__(self, database_url: str) -> None:
        self._engine = create_engine(database_url)
        self._sessions = session_factory(self._engine)

    async def newest_check_at(self) -> float:
        """When the newest stored check ran (epoch seconds; 0 when none is stored)."""
        async with self._sessions() as session:
            newest = await session.scalar(select(func.max(Check.checked_at)))
            return newest.timestamp() if newest else 0.0

    async def checks(self) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(Check)) or 0)

    async def incidents(self) -> list[Incident]:
        async with self._sessions() as session:
            return list((await session.scalars(select(Incident).order_by(Incident.id))).all())

    async def worker_totals(self, worker_prefix: str = "") -> tuple[int, int]:
        """(checked, missed) of the workers' last heartbeats."""
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(
                        func.coalesce(func.sum(WorkerStatus.checked_total), 0),
                        func.coalesce(func.sum(WorkerStatus.missed_total), 0),
                    ).where(WorkerStatus.worker_id.like(f"{worker_prefix}%"))
                )
            ).one()
            return int(row[0]), int(row[1])

    async def close(self) -> None:
        await self._engine.dispose()


@pytest.fixture
async def store(cluster_database_url: str) -> AsyncIterator[Store]:
    opened = Store(cluster_database_url)
    yield opened
    await opened.close()


async def queue_depth(name: str) -> int:
    connection = await aio_pika.connect(RABBITMQ_URL, timeout=5)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, durable=True, passive=True)
        return int(queue.declaration_result.message_count or 0)


async def drained(store: Store, *, quiet_seconds: float = 2.0, within: float = 30) -> None:
    """Wait until no job or result is queued and the stored count stopped moving."""

    async def settled() -> bool:
        before = await store.checks()
        if await queue_depth(f"jobs.{REGION}") or await queue_depth("results"):
            return False
        await asyncio.sleep(quiet_seconds)
        return await store.checks() == before and not await queue_depth("results")

    await eventually(settled, within=within, what="queues drained and results stored")


async def create_monitors(
    api: httpx.AsyncClient, url: str, count: int, **fields: object
) -> list[int]:
    """`count` monitors checked every second from REGION."""
    return [
        await create_fast_monitor(
            api, url, name=f"shop {n}", regions=[REGION], timeout_seconds=0.9, **fields
        )
        for n in range(count)
    ]


def graceful_totals(cluster: Cluster, name: str) -> dict[str, int]:
    """SIGTERM a role, wait for its clean exit, and read the totals it logged."""
    role = cluster.roles[name]
    assert role.stop() == 0, f"{name} did not exit cleanly:\n{role.log()[-3000:]}"
    return stopped_totals(role)


async def stop_in_order(
    cluster: Cluster,
    store: Store,
    *,
    scheduler: str = "scheduler",
    worker: str = "worker",
    rest: tuple[str, ...] = (),
) -> tuple[dict[str, int], dict[str, int]]:
    """Stop a run so that its totals add up: the scheduler first (nothing more is
    published), then, once the queues are drained, the worker (its counts are final), then
    the `rest`, each cleanly. Returns the scheduler's and the worker's totals."""
    scheduler_totals = graceful_totals(cluster, scheduler)
    await drained(store)
    worker_totals = graceful_totals(cluster, worker)
    for name in rest:
        graceful_totals(cluster, name)
    return scheduler_totals, worker_totals


async def all_status(api: httpx.AsyncClient, ids: list[int], wanted: str) -> bool:
    """Every one of the monitors has status `wanted`."""
    readers = [status_reader(api, monitor_id) for monitor_id in ids]
    return all(await asyncio.gather(*(has(wanted) for has in readers)))


def alert_titles(count: int) -> list[str]:
    """The messages `count` monitors (shop 0…) send for one outage each: down, then up."""
    downs = [f"[DOWN] shop {n}" for n in range(count)]
    return sorted(downs + [f"[RECOVERED] shop {n}" for n in range(count)])


async def alerting_monitors_up(
    api: httpx.AsyncClient, target_url: str, webhook_url: str, count: int
) -> list[int]:
    """`count` monitors of the target, alerting one webhook channel, all up."""
    channel = await api.post("/channels", json={"name": "ops", "url": webhook_url})
    assert channel.status_code == 201, channel.text
    ids = await create_monitors(api, target_url, count, channel_ids=[channel.json()["id"]])
    await eventually(lambda: all_status(api, ids, "up"), within=30, what="monitors up")
    return ids
