"""The worker role: runs the probes of its region's jobs and publishes their results.

Stateless and database-free. Jobs arrive in batches; each job runs as its own task under
a concurrency bound; results are published in batches by a small buffer; a job batch is
acked only once every result from it has been published, so a worker that dies mid-batch
leaves the whole batch to be redelivered (results are idempotent downstream).

A worker started with --browser (`browser_pages`) also consumes its region's browser
checks (`jobs.<region>.browser`), at most `browser_pages` at once, with a prefetch of as
many batches: the rest wait in the queue for another browser worker of the region.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime

from betteruptime.domain.messages import CheckJob, WorkerHeartbeat
from betteruptime.domain.workers import HEARTBEAT_SECONDS
from betteruptime.lifecycle import sleep_or_stop
from betteruptime.logs import get_logger, kv
from betteruptime.probes.base import Probe
from betteruptime.transport.queues import (
    Batch,
    HeartbeatQueue,
    JobQueue,
    ResultQueue,
    TypedConsumer,
)
from betteruptime.transport.result_buffer import ResultBuffer

log = get_logger("worker")


class Worker:
    def __init__(
        self,
        *,
        jobs: JobQueue,
        results: ResultQueue,
        probes: Probe,
        region: str,
        concurrency: int,
        heartbeats: HeartbeatQueue | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        browser_pages: int | None = None,
    ) -> None:
        self._jobs = jobs
        self._heartbeats = heartbeats
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{region}"
        self.started_at = clock()
        self._buffer = ResultBuffer(results)
        self._probes = probes
        self.region = region
        self._slots = asyncio.Semaphore(concurrency)
        # Browser checks have slots of their own: a page costs far more than a request.
        self._browser_pages = browser_pages
        self._browser_slots = asyncio.Semaphore(browser_pages or 1)
        # Enough batches in hand to keep every slot busy, and no more: the rest stay in the
        # queue where another worker of the region can take them.
        self._prefetch = max(2, concurrency // 50)
        self._clock = clock
        self._in_flight: set[asyncio.Task[None]] = set()
        self.checked = 0
        self.missed = 0

    @property
    def browser(self) -> bool:
        """Whether this worker takes browser checks (started with --browser)."""
        return self._browser_pages is not None

    async def run(self, stop: asyncio.Event) -> None:
        consumers = [await self._jobs.consumer(self.region, prefetch=self._prefetch)]
        intakes = [self._intake(consumers[0], stop, self._slots)]
        if self._browser_pages is not None:
            pages = self._browser_pages
            consumers.append(await self._jobs.consumer(self.region, prefetch=pages, browser=True))
            intakes.append(self._intake(consumers[1], stop, self._browser_slots))
        beating = asyncio.create_task(self._beat(stop))
        log.info(
            kv(event="started", region=self.region, worker=self.worker_id, browser=self.browser)
        )
        try:
            await asyncio.gather(*intakes)
            # Intake has stopped: finish what is in hand, publish it, ack it.
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
            await self._buffer.flush()
        finally:
            for consumer in consumers:
                await consumer.close()
            await beating
        log.info(kv(event="stopped", checked=self.checked, missed=self.missed))

    def heartbeat(self) -> WorkerHeartbeat:
        return WorkerHeartbeat(
            worker_id=self.worker_id,
            region=self.region,
            started_at=self.started_at,
            at=self._clock(),
            checked_total=self.checked,
            missed_total=self.missed,
            browser=self.browser,
        )

    async def _beat(self, stop: asyncio.Event) -> None:
        """Say we are alive every few seconds (and once more on the way out)."""
        if self._heartbeats is None:
            return
        while True:
            try:
                await self._heartbeats.publish([self.heartbeat()])
            except Exception as error:  # the broker is away; the next beat will tell
                log.warning(kv(event="heartbeat_failed", error=type(error).__name__))
            if stop.is_set() or await sleep_or_stop(stop, HEARTBEAT_SECONDS):
                if stop.is_set() and self._in_flight:
                    # One last beat once the in-flight checks are counted. Waiting, not
                    # looping: on the in-process queue a publish never yields, so a loop
                    # here would starve those very checks and pile up heartbeats.
                    await asyncio.gather(*list(self._in_flight), return_exceptions=True)
                    continue
                break

    async def _intake(
        self, consumer: TypedConsumer[CheckJob], stop: asyncio.Event, slots: asyncio.Semaphore
    ) -> None:
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while True:
                getting = asyncio.ensure_future(consumer.get())
                await asyncio.wait({getting, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not getting.done():
                    getting.cancel()  # consumer.get() is cancel-safe
                    with contextlib.suppress(asyncio.CancelledError):
                        await getting
                    return
                task = asyncio.create_task(self._run_batch(getting.result(), slots))
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)
        finally:
            stopping.cancel()

    async def _run_batch(self, batch: Batch[CheckJob], slots: asyncio.Semaphore) -> None:
        try:
            await asyncio.gather(*(self._run_job(job, slots) for job in batch.items))
        except Exception as error:
            # Results could not be published: hand the batch back for another try.
            log.warning(kv(event="batch_failed", error=type(error).__name__))
            await batch.reject(requeue=True)
            return
        await batch.ack()

    async def _run_job(self, job: CheckJob, slots: asyncio.Semaphore) -> None:
        async with slots:
            if self._clock() >= job.expires_at:
                # Too late to be honest about this due time: the next one is already due.
                self.missed += 1
                log.debug(kv(event="missed", monitor_id=job.spec.monitor_id))
                return
            started = time.perf_counter()
            result = await self._probes.check(job)
            self.checked += 1
            log.debug(
                kv(
                    event="checked",
                    monitor_id=job.spec.monitor_id,
                    up=result.up,
                    ms=(time.perf_counter() - started) * 1000,
                )
            )
        await self._buffer.add(result)
