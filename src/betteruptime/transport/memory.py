"""In-process transports for the embedded mode, with the same semantics as the real ones."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from betteruptime.transport.base import Broker, Consumer, EventStream, Message, StreamEntry


@dataclass(slots=True)
class _Envelope:
    body: bytes
    redelivered: bool = False


class _Queue:
    def __init__(self) -> None:
        self.ready: deque[_Envelope] = deque()
        self.changed = asyncio.Condition()

    async def put_back(self, envelope: _Envelope) -> None:
        envelope.redelivered = True
        async with self.changed:
            self.ready.appendleft(envelope)
            self.changed.notify_all()


class _MemoryMessage(Message):
    def __init__(self, consumer: _MemoryConsumer, envelope: _Envelope) -> None:
        self.body = envelope.body
        self.redelivered = envelope.redelivered
        self._consumer = consumer
        self._envelope = envelope
        self._settled = False

    def _settle(self) -> bool:
        if self._settled:
            return False
        self._settled = True
        self._consumer.settled(self)
        return True

    async def ack(self) -> None:
        self._settle()

    async def reject(self, *, requeue: bool) -> None:
        if self._settle() and requeue:
            await self._consumer.queue.put_back(self._envelope)


class _MemoryConsumer(Consumer):
    def __init__(self, queue: _Queue, prefetch: int) -> None:
        self.queue = queue
        self._window = asyncio.Semaphore(prefetch)
        self._unacked: set[_MemoryMessage] = set()
        self._closed = False

    def settled(self, message: _MemoryMessage) -> None:
        self._unacked.discard(message)
        self._window.release()

    async def get(self) -> Message:
        if self._closed:
            raise RuntimeError("consumer is closed")
        await self._window.acquire()
        try:
            async with self.queue.changed:
                await self.queue.changed.wait_for(lambda: self._closed or bool(self.queue.ready))
                if self._closed:
                    raise RuntimeError("consumer is closed")
                envelope = self.queue.ready.popleft()
        except BaseException:
            self._window.release()
            raise
        message = _MemoryMessage(self, envelope)
        self._unacked.add(message)
        return message

    async def close(self) -> None:
        self._closed = True
        async with self.queue.changed:
            self.queue.changed.notify_all()  # a get() still waiting must not take more
        # What the consumer still held goes back, flagged as redelivered, like a dead
        # RabbitMQ consumer's unacked messages.
        for message in list(self._unacked):
            await message.reject(requeue=True)


class MemoryBroker(Broker):
    def __init__(self) -> None:
        self._queues: dict[str, _Queue] = {}

    def _queue(self, name: str) -> _Queue:
        queue = self._queues.get(name)
        if queue is None:
            queue = self._queues[name] = _Queue()
        return queue

    async def publish(self, queue: str, bodies: Sequence[bytes]) -> None:
        target = self._queue(queue)
        async with target.changed:
            target.ready.extend(_Envelope(body) for body in bodies)
            target.changed.notify_all()

    async def consumer(self, queue: str, *, prefetch: int) -> Consumer:
        return _MemoryConsumer(self._queue(queue), prefetch)

    async def queue_depth(self, queue: str) -> int:
        return len(self._queue(queue).ready)


@dataclass(slots=True)
class _Pending:
    consumer: str
    delivered_at: float


@dataclass
class _Group:
    next_index: int = 0
    pending: OrderedDict[str, _Pending] = field(default_factory=OrderedDict)


class MemoryEventStream(EventStream):
    """A list of entries plus per-group cursors and pending lists, like XREADGROUP."""

    def __init__(self) -> None:
        self._entries: list[StreamEntry] = []
        self._by_id: dict[str, StreamEntry] = {}
        self._groups: dict[str, _Group] = {}
        self._ids = itertools.count(1)
        self._appended = asyncio.Condition()

    async def publish(self, bodies: Sequence[bytes]) -> list[str]:
        ids = []
        async with self._appended:
            for body in bodies:
                entry = StreamEntry(id=f"{next(self._ids)}-0", body=body)
                self._entries.append(entry)
                self._by_id[entry.id] = entry
                ids.append(entry.id)
            self._appended.notify_all()
        return ids

    def _group(self, name: str) -> _Group:
        return self._groups.setdefault(name, _Group())

    async def read(
        self, group: str, consumer: str, *, count: int, block_ms: int
    ) -> list[StreamEntry]:
        state = self._group(group)
        async with self._appended:
            if state.next_index >= len(self._entries) and block_ms > 0:
                try:
                    await asyncio.wait_for(
                        self._appended.wait_for(lambda: state.next_index < len(self._entries)),
                        block_ms / 1000,
                    )
                except TimeoutError:
                    return []
            batch = self._entries[state.next_index : state.next_index + count]
            state.next_index += len(batch)
        now = time.monotonic()
        for entry in batch:
            state.pending[entry.id] = _Pending(consumer, now)
        return batch

    async def ack(self, group: str, entry_ids: Sequence[str]) -> None:
        state = self._group(group)
        for entry_id in entry_ids:
            state.pending.pop(entry_id, None)

    async def claim_stale(
        self, group: str, consumer: str, *, min_idle_ms: int, count: int
    ) -> list[StreamEntry]:
        state = self._group(group)
        now = time.monotonic()
        claimed: list[StreamEntry] = []
        for entry_id, pending in state.pending.items():
            if len(claimed) >= count:
                break
            # Like XAUTOCLAIM: any entry idle long enough, the caller's own included.
            if (now - pending.delivered_at) * 1000 >= min_idle_ms:
                pending.consumer = consumer
                pending.delivered_at = now
                claimed.append(self._by_id[entry_id])
        return claimed
