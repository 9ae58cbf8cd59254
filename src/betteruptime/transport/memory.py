"""In-process transports for the embedded mode, with the same semantics as the real ones."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from betteruptime.transport.base import Broker, EventStream, Message, StreamEntry


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
    def __init__(
        self,
        queue: _Queue,
        envelope: _Envelope,
        window: asyncio.Semaphore,
        unacked: set[_MemoryMessage],
    ) -> None:
        self.body = envelope.body
        self.redelivered = envelope.redelivered
        self._queue = queue
        self._envelope = envelope
        self._window = window
        self._unacked = unacked
        self._settled = False

    def _settle(self) -> bool:
        if self._settled:
            return False
        self._settled = True
        self._unacked.discard(self)
        self._window.release()
        return True

    async def ack(self) -> None:
        self._settle()

    async def reject(self, *, requeue: bool) -> None:
        if self._settle() and requeue:
            await self._queue.put_back(self._envelope)


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

    async def consume(self, queue: str, *, prefetch: int) -> AsyncIterator[Message]:
        source = self._queue(queue)
        window = asyncio.Semaphore(prefetch)
        unacked: set[_MemoryMessage] = set()
        try:
            while True:
                await window.acquire()
                async with source.changed:
                    await source.changed.wait_for(lambda: bool(source.ready))
                    envelope = source.ready.popleft()
                message = _MemoryMessage(source, envelope, window, unacked)
                unacked.add(message)
                yield message
        finally:
            # The consumer is gone: what it held goes back, flagged as redelivered.
            for message in list(unacked):
                await message.reject(requeue=True)

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
            if pending.consumer != consumer and (now - pending.delivered_at) * 1000 >= min_idle_ms:
                pending.consumer = consumer
                pending.delivered_at = now
                claimed.append(self._by_id[entry_id])
        return claimed
