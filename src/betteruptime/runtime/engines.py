"""Opening the engines a role needs, waiting with back-off while one is unreachable.

The in-process implementations serve when RABBITMQ_URL / REDIS_URL are unset (embedded
mode, where every role shares one process); a role run as its own process needs the
real engine, since an in-process queue would connect it to nobody.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from betteruptime.lifecycle import sleep_or_stop
from betteruptime.logs import get_logger, kv
from betteruptime.transport.base import Broker, EventStream
from betteruptime.transport.memory import MemoryBroker, MemoryEventStream

log = get_logger("engines")
T = TypeVar("T")

FIRST_DELAY = 0.5
MAX_DELAY = 15.0


class EngineMissing(Exception):
    """A role needs an engine whose URL is not configured."""


class Stopped(Exception):
    """Asked to stop while still waiting for an engine."""


async def with_backoff(what: str, connect: Callable[[], Awaitable[T]], stop: asyncio.Event) -> T:
    """Call `connect` until it succeeds, doubling the wait up to MAX_DELAY; logs each try."""
    delay = FIRST_DELAY
    while True:
        try:
            return await connect()
        except Exception as error:
            if stop.is_set():
                raise
            log.warning(
                kv(event="unreachable", engine=what, error=type(error).__name__, retry_in_s=delay)
            )
        if await sleep_or_stop(stop, delay):
            raise Stopped(f"stopped while waiting for {what}")
        delay = min(delay * 2, MAX_DELAY)


async def open_broker(url: str | None, stop: asyncio.Event, *, embedded: bool = False) -> Broker:
    if url is None:
        if embedded:
            return MemoryBroker()
        raise EngineMissing(
            "RABBITMQ_URL is not set: this role reaches the others through RabbitMQ"
        )
    from betteruptime.transport.rabbitmq import RabbitBroker

    return await with_backoff("rabbitmq", lambda: RabbitBroker.connect(url), stop)


async def open_stream(
    url: str | None, stop: asyncio.Event, *, embedded: bool = False
) -> EventStream:
    if url is None:
        if embedded:
            return MemoryEventStream()
        raise EngineMissing("REDIS_URL is not set: events travel through Redis Streams")
    from betteruptime.transport.redis import RedisEventStream

    return await with_backoff("redis", lambda: RedisEventStream.connect(url), stop)
