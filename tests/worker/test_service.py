"""The worker with the in-process broker and real probes against a local server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from betteruptime.domain.messages import CheckJob, CheckResult, ProbeSpec, WorkerHeartbeat
from betteruptime.probes.registry import Probes
from betteruptime.transport.memory import MemoryBroker
from betteruptime.transport.queues import (
    HEARTBEATS_QUEUE,
    RESULTS_QUEUE,
    HeartbeatQueue,
    JobQueue,
    ResultQueue,
)
from betteruptime.worker.service import Worker


@pytest.fixture
async def target_url() -> AsyncIterator[str]:
    async def slowish(request: web.Request) -> web.Response:
        await asyncio.sleep(0.05)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/", slowish)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/"
    await runner.cleanup()


def job(monitor_id: int, url: str, *, expires_in: float = 60, region: str = "default") -> CheckJob:
    now = datetime.now(UTC)
    return CheckJob(
        spec=ProbeSpec(monitor_id=monitor_id, url=url, timeout_seconds=2),
        region=region,
        due_at=now,
        expires_at=now + timedelta(seconds=expires_in),
    )


async def collect(results: ResultQueue, wanted: int, within: float = 10) -> list[CheckResult]:
    consumer = await results.consumer(prefetch=100)
    got: list[CheckResult] = []
    try:
        async with asyncio.timeout(within):
            while len(got) < wanted:
                batch = await consumer.get()
                got.extend(batch.items)
                await batch.ack()
    finally:
        await consumer.close()
    return got


async def start_worker(
    broker: MemoryBroker, concurrency: int = 50
) -> tuple[Worker, asyncio.Event, asyncio.Task[None], Probes]:
    probes = Probes()
    worker = Worker(
        jobs=JobQueue(broker),
        results=ResultQueue(broker),
        probes=probes,
        region="default",
        concurrency=concurrency,
    )
    stop = asyncio.Event()
    return worker, stop, asyncio.create_task(worker.run(stop)), probes


async def test_it_checks_every_job_concurrently_and_publishes_the_results(target_url: str) -> None:
    broker = MemoryBroker()
    _worker, stop, task, probes = await start_worker(broker)
    await JobQueue(broker).publish([job(i, target_url) for i in range(200)])
    started = asyncio.get_running_loop().time()
    results = await collect(ResultQueue(broker), 200)
    elapsed = asyncio.get_running_loop().time() - started
    stop.set()
    await task
    await probes.close()
    assert sorted(r.monitor_id for r in results) == list(range(200))
    assert all(r.up for r in results)
    # 200 checks of 50 ms each, 50 at a time: about 0.2 s, far from 10 s in series.
    assert elapsed < 5
    assert await broker.queue_depth("jobs.default") == 0


async def test_a_job_past_its_expiry_is_counted_as_missed_not_run(target_url: str) -> None:
    broker = MemoryBroker()
    worker, stop, task, probes = await start_worker(broker)
    await JobQueue(broker).publish([job(1, target_url, expires_in=-1), job(2, target_url)])
    results = await collect(ResultQueue(broker), 1)
    stop.set()
    await task
    await probes.close()
    assert [r.monitor_id for r in results] == [2]
    assert worker.missed == 1
    assert await broker.queue_depth(RESULTS_QUEUE) == 0


async def test_stopping_finishes_checks_in_flight_and_publishes_their_results(
    target_url: str,
) -> None:
    broker = MemoryBroker()
    worker, stop, task, probes = await start_worker(broker, concurrency=10)
    await JobQueue(broker).publish([job(i, target_url) for i in range(10)])
    # The broker has no "taken" signal to wait on; polling the depth is the honest probe.
    while await broker.queue_depth("jobs.default"):  # noqa: ASYNC110
        await asyncio.sleep(0.001)
    stop.set()  # the batch is in hand and its checks (50 ms each) are running
    await task
    await probes.close()
    results = await collect(ResultQueue(broker), 10)
    assert worker.checked == 10
    assert sorted(r.monitor_id for r in results) == list(range(10))


class YieldingHeartbeats(HeartbeatQueue):
    """Yields after each publish, so that a worker spinning on heartbeats fails this test
    by its count instead of hanging it (a spin on the plain queue starves the loop)."""

    async def publish(self, heartbeats: Sequence[WorkerHeartbeat]) -> None:
        await super().publish(heartbeats)
        await asyncio.sleep(0)


async def test_stopping_with_checks_in_flight_sends_one_last_heartbeat_and_ends(
    target_url: str,
) -> None:
    """On the in-process queue a publish never yields: the last heartbeat must wait for
    the checks in flight, not spin (it once starved them and grew memory without end)."""
    broker = MemoryBroker()
    heartbeats = YieldingHeartbeats(broker)
    worker = Worker(
        jobs=JobQueue(broker),
        results=ResultQueue(broker),
        probes=(probes := Probes()),
        region="default",
        concurrency=10,
        heartbeats=heartbeats,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    await JobQueue(broker).publish([job(i, target_url) for i in range(10)])
    while await broker.queue_depth("jobs.default"):  # noqa: ASYNC110
        await asyncio.sleep(0.001)
    stop.set()
    async with asyncio.timeout(5):
        await task
    await probes.close()

    beats = await broker.queue_depth(HEARTBEATS_QUEUE)
    assert worker.checked == 10
    assert 1 <= beats <= 3, f"{beats} heartbeats published while stopping"
