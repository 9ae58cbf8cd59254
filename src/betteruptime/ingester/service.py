"""The ingester role: drains the result queue in batches into the database.

Messages are gathered until `batch_size` results or `linger_seconds` have passed, written
in one transaction, and only then acked; the transition events it created are relayed
after the commit. A batch that fails to commit is handed back to the queue whole.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from betteruptime.db.session import SessionFactory
from betteruptime.domain.messages import CheckResult
from betteruptime.ingester.maintenance import emit_maintenance_events
from betteruptime.ingester.outbox import OutboxRelay
from betteruptime.ingester.reminders import emit_due_reminders
from betteruptime.ingester.store import decide_overdue_pending, record_results
from betteruptime.ingester.worker_heartbeats import record_heartbeats
from betteruptime.lifecycle import sleep_or_stop
from betteruptime.logs import get_logger, kv
from betteruptime.transport.queues import Batch, HeartbeatQueue, ResultQueue, TypedConsumer

log = get_logger("ingester")

BATCH_SIZE = 1000
LINGER_SECONDS = 0.05
RETRY_SECONDS = 1.0


class Ingester:
    def __init__(
        self,
        *,
        sessions: SessionFactory,
        results: ResultQueue,
        relay: OutboxRelay,
        batch_size: int = BATCH_SIZE,
        linger_seconds: float = LINGER_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._results = results
        self._relay = relay
        self._batch_size = batch_size
        self._linger = linger_seconds
        self.stored = 0

    async def run(self, stop: asyncio.Event, *, drain: bool = True) -> None:
        """Ingest until `stop` is set. With `drain`, first empty the queue: the in-process
        queue dies with the process. On RabbitMQ what is queued stays queued, so a
        stopping ingester only finishes the batch in hand."""
        consumer = await self._results.consumer(prefetch=max(4, self._batch_size // 50))
        log.info(kv(event="started"))
        await self._relay_safely()
        try:
            while True:
                draining = stop.is_set()
                if draining and not drain:
                    break
                batches = await self._gather(consumer, wait=not draining)
                if batches:
                    await self._ingest(batches)
                elif draining:
                    break
        finally:
            await consumer.close()
        log.info(kv(event="stopped", stored=self.stored))

    async def _gather(
        self, consumer: TypedConsumer[CheckResult], *, wait: bool
    ) -> list[Batch[CheckResult]]:
        """Up to batch_size results: waits for the first (when `wait`), lingers for more."""
        batches: list[Batch[CheckResult]] = []
        count = 0
        deadline: float | None = None
        while count < self._batch_size:
            timeout = (0.2 if wait else 0.0) if deadline is None else deadline - time.monotonic()
            try:
                batch = await asyncio.wait_for(consumer.get(), timeout=max(timeout, 0.001))
            except TimeoutError:
                if deadline is None and wait and not batches:
                    return batches  # nothing came: let the caller look at `stop`
                break
            batches.append(batch)
            count += len(batch.items)
            if deadline is None:
                deadline = time.monotonic() + self._linger
        return batches

    async def _ingest(self, batches: Sequence[Batch[CheckResult]]) -> None:
        results = [item for batch in batches for item in batch.items]
        try:
            async with self._sessions() as session, session.begin():
                events = await record_results(session, results)
        except Exception as error:
            log.warning(kv(event="write_failed", results=len(results), error=type(error).__name__))
            for batch in batches:
                await batch.reject(requeue=True)
            await asyncio.sleep(RETRY_SECONDS)
            return
        for batch in batches:
            await batch.ack()
        self.stored += len(results)
        if events:
            await self._relay_safely()

    async def _relay_safely(self) -> None:
        try:
            await self._relay.relay()
        except Exception as error:  # retried by the periodic relay
            log.warning(kv(event="relay_failed", error=type(error).__name__))

    async def track_workers(self, heartbeats: HeartbeatQueue, stop: asyncio.Event) -> None:
        """Keep worker_status current from the workers' heartbeats, until `stop`."""
        consumer = await heartbeats.consumer(prefetch=10)
        try:
            while not stop.is_set():
                try:
                    batch = await asyncio.wait_for(consumer.get(), timeout=0.5)
                except TimeoutError:
                    continue
                try:
                    async with self._sessions() as session, session.begin():
                        await record_heartbeats(session, batch.items)
                except Exception as error:
                    log.warning(kv(event="heartbeat_write_failed", error=type(error).__name__))
                    await batch.reject(requeue=True)
                    await sleep_or_stop(stop, RETRY_SECONDS)
                    continue
                await batch.ack()
        finally:
            await consumer.close()

    async def sweep_periodically(self, stop: asyncio.Event, every: float = 1.0) -> None:
        """Once a second: decide multi-region due times whose slow regions never reported,
        notice maintenance windows starting and ending, emit the reminders that are due,
        and relay the events waiting in the outbox (the api writes acknowledgements
        there). Stops with the role."""
        while not await sleep_or_stop(stop, every):
            await self.sweep()
        await self._relay_safely()

    async def sweep(self) -> None:
        try:
            async with self._sessions() as session, session.begin():
                now = datetime.now(UTC)
                events = await decide_overdue_pending(session, now=now)
                # Before reminders: a window's end that announces an outage resets its
                # reminder clock, so the two do not go out together.
                events += await emit_maintenance_events(session, now=now)
                events += await emit_due_reminders(session, now=now)
        except Exception as error:
            log.warning(kv(event="sweep_failed", error=type(error).__name__))
            return
        if events:
            log.info(kv(event="swept", events=len(events)))
        await self._relay_safely()
