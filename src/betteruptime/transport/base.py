"""The transport interfaces every role talks through.

Two of them, each with an in-process implementation (transport/memory.py) and a real
one (RabbitMQ for the broker, Redis Streams for the event stream):

* :class:`Broker` — named work queues with at-least-once delivery: a message stays owned
  by its consumer until acked; a consumer that goes away gets its unacked messages
  redelivered to another one.
* :class:`EventStream` — an append-only stream read by consumer groups; entries pending
  on a dead consumer can be claimed by a live one.

Bodies are bytes: the typed queues in transport/queues.py encode and decode them, so every
implementation carries exactly the same payloads.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass


class TransportError(Exception):
    """The engine behind a transport failed; `permanent` says whether a retry makes sense."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Message(ABC):
    """One delivered message. Exactly one of ack() or reject() must follow."""

    body: bytes
    redelivered: bool

    @abstractmethod
    async def ack(self) -> None: ...

    @abstractmethod
    async def reject(self, *, requeue: bool) -> None: ...


class Consumer(ABC):
    """A subscription to one queue, holding at most `prefetch` unacked messages."""

    @abstractmethod
    async def get(self) -> Message:
        """The next message. Cancel-safe: cancelling a waiting get() loses nothing."""

    @abstractmethod
    async def close(self) -> None:
        """Stop intake; every message not yet acked goes back to the queue (redelivered)."""


class Broker(ABC):
    """Durable named queues (RabbitMQ in the distributed mode)."""

    @abstractmethod
    async def publish(self, queue: str, bodies: Sequence[bytes]) -> None:
        """Publish bodies to a queue; returns once the broker has accepted all of them."""

    @abstractmethod
    async def consumer(self, queue: str, *, prefetch: int) -> Consumer:
        """Subscribe to a queue. Closing the consumer, or the consumer's process dying,
        returns its unacked messages to the queue, flagged as redelivered."""

    @abstractmethod
    async def queue_depth(self, queue: str) -> int:
        """Messages waiting in a queue (ready, not yet delivered)."""

    async def close(self) -> None:
        return None


@dataclass(slots=True)
class StreamEntry:
    id: str
    body: bytes


class EventStream(ABC):
    """An append-only event log read by consumer groups (Redis Streams)."""

    @abstractmethod
    async def publish(self, bodies: Sequence[bytes]) -> list[str]:
        """Append entries; returns their ids in order."""

    @abstractmethod
    async def read(
        self, group: str, consumer: str, *, count: int, block_ms: int
    ) -> list[StreamEntry]:
        """New entries for this consumer of the group; they stay pending until acked."""

    @abstractmethod
    async def ack(self, group: str, entry_ids: Sequence[str]) -> None: ...

    @abstractmethod
    async def claim_stale(
        self, group: str, consumer: str, *, min_idle_ms: int, count: int
    ) -> list[StreamEntry]:
        """Take over entries pending on other consumers for at least `min_idle_ms`."""

    async def close(self) -> None:
        return None
