"""Browser checks go to the region's browser queue: only a worker started with
--browser takes them (in Chromium), and its heartbeat says it does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from betteruptime.domain.addresses import TargetPolicy
from betteruptime.domain.messages import CheckJob, ProbeSpec
from betteruptime.probes.browser import BrowserProbe
from betteruptime.probes.registry import Probes
from betteruptime.transport.memory import MemoryBroker
from betteruptime.transport.queues import HeartbeatQueue, JobQueue, ResultQueue, jobs_queue
from betteruptime.worker.service import Worker
from testkit.chromium import require_chromium
from testkit.shop import Shop
from worker.test_service import collect

STEPS = [{"action": "click", "selector": "#buy"}, {"action": "expect_text", "text": "Thank"}]


def _job(monitor_id: int, url: str, *, kind: str) -> CheckJob:
    now = datetime.now(UTC)
    steps = STEPS if kind == "browser" else []
    return CheckJob(
        spec=ProbeSpec(
            monitor_id=monitor_id, kind=kind, url=url, browser_steps=steps, timeout_seconds=8
        ),
        region="default",
        due_at=now,
        expires_at=now + timedelta(seconds=60),
    )


async def _run(worker: Worker, broker: MemoryBroker, jobs: list[CheckJob], wanted: int) -> list:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    await JobQueue(broker).publish(jobs)
    try:
        return await collect(ResultQueue(broker), wanted, within=30)
    finally:
        stop.set()
        await task


async def test_a_worker_without_browser_leaves_browser_checks_in_their_queue(
    browser_shop: Shop,
) -> None:
    broker = MemoryBroker()
    worker = Worker(
        jobs=JobQueue(broker),
        results=ResultQueue(broker),
        probes=(probes := Probes()),
        region="default",
        concurrency=10,
    )

    results = await _run(
        worker,
        broker,
        [_job(1, browser_shop.url, kind="http"), _job(2, browser_shop.url, kind="browser")],
        1,
    )
    await probes.close()

    assert [r.monitor_id for r in results] == [1]
    assert await broker.queue_depth(jobs_queue("default", browser=True)) == 1
    assert await broker.queue_depth(jobs_queue("default")) == 0
    assert worker.heartbeat().browser is False


async def test_a_browser_worker_takes_both_kinds_and_says_so_in_its_heartbeat(
    browser_shop: Shop,
) -> None:
    broker = MemoryBroker()
    browser = BrowserProbe(executable=require_chromium(), policy=TargetPolicy())
    worker = Worker(
        jobs=JobQueue(broker),
        results=ResultQueue(broker),
        heartbeats=HeartbeatQueue(broker),
        probes=(probes := Probes(TargetPolicy(), browser=browser)),
        region="default",
        concurrency=10,
        browser_pages=2,
    )
    jobs = [_job(1, browser_shop.url, kind="http")] + [
        _job(i, browser_shop.url, kind="browser") for i in range(2, 5)
    ]

    results = await _run(worker, broker, jobs, 4)
    await probes.close()

    assert sorted(r.monitor_id for r in results) == [1, 2, 3, 4]
    assert all(r.up for r in results), [r.error for r in results]
    assert worker.heartbeat().browser is True
    assert await broker.queue_depth(jobs_queue("default", browser=True)) == 0
