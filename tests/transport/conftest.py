"""Transport contract fixtures: every broker and stream test runs against each implementation.

Only the in-process implementations are listed for now; the real ones (RabbitMQ, Redis
Streams) join the same params, so the tests must use nothing but the interfaces in
transport/base.py and give every queue and group a name of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from betteruptime.transport.base import Broker, EventStream
from betteruptime.transport.memory import MemoryBroker, MemoryEventStream


async def _memory_broker() -> Broker:
    return MemoryBroker()


async def _memory_stream() -> EventStream:
    return MemoryEventStream()


BROKERS: dict[str, Callable[[], Awaitable[Broker]]] = {"memory": _memory_broker}
STREAMS: dict[str, Callable[[], Awaitable[EventStream]]] = {"memory": _memory_stream}


def _unique(prefix: str) -> str:
    return f"test.{prefix}.{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=sorted(BROKERS))
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[Broker]:
    broker = await BROKERS[request.param]()
    yield broker
    await broker.close()


@pytest.fixture(params=sorted(STREAMS))
async def stream(request: pytest.FixtureRequest) -> AsyncIterator[EventStream]:
    stream = await STREAMS[request.param]()
    yield stream
    await stream.close()


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Makes names no other test, nor an earlier run against a shared server, has used."""
    return _unique


@pytest.fixture
def queue() -> str:
    return _unique("queue")
