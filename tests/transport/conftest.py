"""Transport contract fixtures: every broker and stream test runs against each implementation:
in-process, RabbitMQ and Redis Streams. The tests use nothing but the interfaces in
transport/base.py and give every queue, stream and group a name of its own; what they
create on the real engines is deleted afterwards.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from betteruptime.transport.base import Broker, Consumer, EventStream, Message, TransportError
from betteruptime.transport.memory import MemoryBroker, MemoryEventStream
from testkit.engines import RABBITMQ_URL, REDIS_URL, service_missing


async def _memory_broker() -> Broker:
    return MemoryBroker()


async def _memory_stream() -> EventStream:
    return MemoryEventStream()


async def _rabbit_broker() -> Broker:
    from betteruptime.transport.rabbitmq import RabbitBroker

    try:
        return await RabbitBroker.connect(RABBITMQ_URL)
    except TransportError as error:
        service_missing(str(error))
        raise


async def _redis_stream() -> EventStream:
    from betteruptime.transport.redis import RedisEventStream

    try:
        return await RedisEventStream.connect(REDIS_URL, key=_unique("stream"))
    except TransportError as error:
        service_missing(str(error))
        raise


async def _forget(engine: Broker | EventStream) -> None:
    """Delete what a test created on a real engine."""
    from betteruptime.transport.rabbitmq import RabbitBroker
    from betteruptime.transport.redis import RedisEventStream

    if isinstance(engine, RabbitBroker):
        for name in engine.declared_queues:
            await engine.delete_queue(name)
    elif isinstance(engine, RedisEventStream):
        await engine.delete_stream()


BROKERS: dict[str, Callable[[], Awaitable[Broker]]] = {
    "memory": _memory_broker,
    "rabbitmq": _rabbit_broker,
}
STREAMS: dict[str, Callable[[], Awaitable[EventStream]]] = {
    "memory": _memory_stream,
    "redis": _redis_stream,
}


def _unique(prefix: str) -> str:
    return f"test.{prefix}.{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=sorted(BROKERS))
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[Broker]:
    broker = await BROKERS[request.param]()
    yield broker
    await _forget(broker)
    await broker.close()


@pytest.fixture(params=sorted(STREAMS))
async def stream(request: pytest.FixtureRequest) -> AsyncIterator[EventStream]:
    stream = await STREAMS[request.param]()
    yield stream
    await _forget(stream)
    await stream.close()


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Makes names no other test, nor an earlier run against a shared server, has used."""
    return _unique


@pytest.fixture
def queue() -> str:
    return _unique("queue")


# --- waiting for messages (the broker and typed queue tests) --------------------------

# Long enough for a message that is there to be delivered; short enough to keep this fast.
NOTHING_WAIT = 0.05
# Only a guard against hanging: a message that is there arrives long before this.
ARRIVAL_WAIT = 1.0


async def receive(consumer: Consumer) -> Message:
    return await asyncio.wait_for(consumer.get(), ARRIVAL_WAIT)


async def receive_bodies(consumer: Consumer, count: int, *, ack: bool = True) -> list[bytes]:
    bodies = []
    for _ in range(count):
        message = await receive(consumer)
        bodies.append(message.body)
        if ack:
            await message.ack()
    return bodies


async def assert_nothing_arrives(consumer: Consumer) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(consumer.get(), NOTHING_WAIT)
