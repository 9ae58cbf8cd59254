"""Typed queues over a Broker: check jobs per region and check results.

A message carries a batch (a JSON array), so publishing 1,000 due checks costs a few
messages, not 1,000 round trips. A batch is acked as a whole, once every item in it is
handled; redelivery of a half-done batch is safe because results are idempotent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel, TypeAdapter

from betteruptime.domain.messages import CheckJob, CheckResult
from betteruptime.transport.base import Broker, Message

ItemT = TypeVar("ItemT", bound=BaseModel)

RESULTS_QUEUE = "results"
DEFAULT_BATCH = 100


def jobs_queue(region: str) -> str:
    return f"jobs.{region}"


@dataclass(slots=True)
class Batch(Generic[ItemT]):
    """Decoded items of one message; ack or reject the message as a whole."""

    items: list[ItemT]
    message: Message

    async def ack(self) -> None:
        await self.message.ack()

    async def reject(self, *, requeue: bool) -> None:
        await self.message.reject(requeue=requeue)


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

    async def _consume(self, queue: str, prefetch: int) -> AsyncIterator[Batch[ItemT]]:
        async for message in self.broker.consume(queue, prefetch=prefetch):
            try:
                items = self.decode(message.body)
            except ValueError:
                # A body no version of us could have written: drop it rather than loop on it.
                await message.reject(requeue=False)
                continue
            yield Batch(items, message)


class JobQueue(_TypedQueue[CheckJob]):
    def __init__(self, broker: Broker, batch_size: int = DEFAULT_BATCH) -> None:
        super().__init__(broker, CheckJob, batch_size)

    async def publish(self, jobs: Sequence[CheckJob]) -> None:
        by_region: dict[str, list[CheckJob]] = {}
        for job in jobs:
            by_region.setdefault(job.region, []).append(job)
        for region, region_jobs in by_region.items():
            await self._publish(jobs_queue(region), region_jobs)

    def consume(self, region: str, *, prefetch: int) -> AsyncIterator[Batch[CheckJob]]:
        return self._consume(jobs_queue(region), prefetch)


class ResultQueue(_TypedQueue[CheckResult]):
    def __init__(self, broker: Broker, batch_size: int = DEFAULT_BATCH) -> None:
        super().__init__(broker, CheckResult, batch_size)

    async def publish(self, results: Sequence[CheckResult]) -> None:
        await self._publish(RESULTS_QUEUE, results)

    def consume(self, *, prefetch: int) -> AsyncIterator[Batch[CheckResult]]:
        return self._consume(RESULTS_QUEUE, prefetch)
