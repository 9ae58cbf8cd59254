"""Typed queues over a Broker: check jobs per region and check results.

A message carries a batch (a JSON array), so publishing 1,000 due checks costs a few
messages, not 1,000 round trips. A batch is acked as a whole, once every item in it is
handled; redelivery of a half-done batch is safe because results are idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel, TypeAdapter

from betteruptime.domain.messages import CheckJob, CheckResult, WorkerHeartbeat
from betteruptime.transport.base import Broker, Consumer, Message

ItemT = TypeVar("ItemT", bound=BaseModel)

RESULTS_QUEUE = "results"
HEARTBEATS_QUEUE = "workers"
DEFAULT_BATCH = 100


def jobs_queue(region: str, *, browser: bool = False) -> str:
    """Where a region's check jobs wait: `jobs.<region>`, and `jobs.<region>.browser`
    for browser checks, which only workers started with --browser consume (a region
    name has no dot, so the two never meet)."""
    return f"jobs.{region}.browser" if browser else f"jobs.{region}"


def is_browser_job(job: CheckJob) -> bool:
    return job.spec.kind == "browser"


@dataclass(slots=True)
class Batch(Generic[ItemT]):
    """Decoded items of one message; ack or reject the message as a whole."""

    items: list[ItemT]
    message: Message

    async def ack(self) -> None:
        await self.message.ack()

    async def reject(self, *, requeue: bool) -> None:
        await self.message.reject(requeue=requeue)


class TypedConsumer(Generic[ItemT]):
    """Yields decoded batches; a body no version of us could have written is dropped."""

    def __init__(self, consumer: Consumer, decode: Callable[[bytes], list[ItemT]]) -> None:
        self._consumer = consumer
        self._decode = decode

    async def get(self) -> Batch[ItemT]:
        while True:
            message = await self._consumer.get()
            try:
                return Batch(self._decode(message.body), message)
            except ValueError:
                await message.reject(requeue=False)

    async def close(self) -> None:
        await self._consumer.close()


class _TypedQueue(Generic[ItemT]):
    def __init__(self, broker: Broker, item_type: type[ItemT], batch_size: int) -> None:
        self.broker = broker
        self._adapter = TypeAdapter(list[item_type])  # type: ignore[valid-type]
        self._batch_size = batch_size

    def encode(self, items: Sequence[ItemT]) -> list[bytes]:
        size = self._batch_size
        return [
            self._adapter.dump_json(list(items[i : i + size])) for i in range(0, len(items), size)
        ]

    def decode(self, body: bytes) -> list[ItemT]:
        return self._adapter.validate_json(body)

    async def _publish(self, queue: str, items: Sequence[ItemT]) -> None:
        if items:
            await self.broker.publish(queue, self.encode(items))

    async def _consumer(self, queue: str, prefetch: int) -> TypedConsumer[ItemT]:
        return TypedConsumer(await self.broker.consumer(queue, prefetch=prefetch), self.decode)


class JobQueue(_TypedQueue[CheckJob]):
    def __init__(self, broker: Broker, batch_size: int = DEFAULT_BATCH) -> None:
        super().__init__(broker, CheckJob, batch_size)

    async def publish(self, jobs: Sequence[CheckJob]) -> None:
        by_queue: dict[str, list[CheckJob]] = {}
        for job in jobs:
            queue = jobs_queue(job.region, browser=is_browser_job(job))
            by_queue.setdefault(queue, []).append(job)
        for queue, queued in by_queue.items():
            await self._publish(queue, queued)

    async def consumer(
        self, region: str, *, prefetch: int, browser: bool = False
    ) -> TypedConsumer[CheckJob]:
        """The region's jobs; with `browser`, its browser checks instead."""
        return await self._consumer(jobs_queue(region, browser=browser), prefetch)


class ResultQueue(_TypedQueue[CheckResult]):
    def __init__(self, broker: Broker, batch_size: int = DEFAULT_BATCH) -> None:
        super().__init__(broker, CheckResult, batch_size)

    async def publish(self, results: Sequence[CheckResult]) -> None:
        await self._publish(RESULTS_QUEUE, results)

    async def consumer(self, *, prefetch: int) -> TypedConsumer[CheckResult]:
        return await self._consumer(RESULTS_QUEUE, prefetch)

    async def depth(self) -> int:
        return await self.broker.queue_depth(RESULTS_QUEUE)


class HeartbeatQueue(_TypedQueue[WorkerHeartbeat]):
    """Worker heartbeats: the ingester records them, so the API knows the live regions."""

    def __init__(self, broker: Broker) -> None:
        super().__init__(broker, WorkerHeartbeat, DEFAULT_BATCH)

    async def publish(self, heartbeats: Sequence[WorkerHeartbeat]) -> None:
        await self._publish(HEARTBEATS_QUEUE, heartbeats)

    async def consumer(self, *, prefetch: int) -> TypedConsumer[WorkerHeartbeat]:
        return await self._consumer(HEARTBEATS_QUEUE, prefetch)
