"""Each role as its own process (distributed mode): `betteruptime api|scheduler|worker|
ingester|notifier`. Each waits for its engines with back-off, runs until SIGINT/SIGTERM,
then drains what it holds and exits 0.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, suppress

from sqlalchemy.ext.asyncio import AsyncEngine

from betteruptime.db.migrate import upgrade_async
from betteruptime.db.session import SessionFactory, create_engine, session_factory
from betteruptime.logs import get_logger, kv
from betteruptime.runtime.app import create_app
from betteruptime.runtime.components import (
    make_ingester,
    make_notifier,
    make_scheduler,
    make_worker,
)
from betteruptime.runtime.embedded import raise_if_crashed, wait_for_stop_or_crash
from betteruptime.runtime.engines import Stopped, open_broker, open_stream, with_backoff
from betteruptime.runtime.server import http_server
from betteruptime.runtime.signals import stop_on_signals
from betteruptime.settings import Settings
from betteruptime.transport.base import Broker, EventStream
from betteruptime.transport.queues import ResultQueue

log = get_logger("role")


async def _database(
    settings: Settings, stop: asyncio.Event, exits: AsyncExitStack
) -> tuple[SessionFactory, AsyncEngine]:
    """Migrate (serialised across processes) and open the database, waiting for it."""
    await with_backoff("database", lambda: upgrade_async(settings.database_url), stop)
    engine = create_engine(settings.database_url)
    exits.push_async_callback(engine.dispose)
    return session_factory(engine), engine


async def _broker(settings: Settings, stop: asyncio.Event, exits: AsyncExitStack) -> Broker:
    broker = await open_broker(settings.rabbitmq_url, stop)
    exits.push_async_callback(broker.close)
    return broker


async def _stream(settings: Settings, stop: asyncio.Event, exits: AsyncExitStack) -> EventStream:
    stream = await open_stream(settings.redis_url, stop)
    exits.push_async_callback(stream.close)
    return stream


async def run_api(settings: Settings, stop: asyncio.Event, exits: AsyncExitStack) -> None:
    sessions, _ = await _database(settings, stop, exits)
    settings.resolved_secret_key()
    # Heartbeat pings are results: with RabbitMQ they go to the ingester's queue;
    # without it this api answers /ping with 503 and says why.
    results = None
    if settings.rabbitmq_url is not None:
        results = ResultQueue(await _broker(settings, stop, exits))
    else:
        log.warning(kv(event="pings_disabled", reason="RABBITMQ_URL is not set"))
    server = http_server(settings, create_app(settings, sessions, results))
    serving = asyncio.create_task(server.serve())
    await wait_for_stop_or_crash(stop, {"api": serving})
    server.should_exit = True
    await asyncio.gather(serving, return_exceptions=True)
    raise_if_crashed({"api": serving})


async def run_scheduler(settings: Settings, stop: asyncio.Event, exits: AsyncExitStack) -> None:
    sessions, engine = await _database(settings, stop, exits)
    broker = await _broker(settings, stop, exits)
    scheduler = make_scheduler(
        settings,
        sessions=sessions,
        engine=engine,
        broker=broker,
    )
    await scheduler.run(stop)


async def run_worker(
    settings: Settings,
    stop: asyncio.Event,
    exits: AsyncExitStack,
    *,
    region: str,
    chromium: str | None = None,
) -> None:
    broker = await _broker(settings, stop, exits)
    worker, probes = make_worker(settings, broker=broker, region=region, chromium=chromium)
    exits.push_async_callback(probes.close)
    await worker.run(stop)


async def run_ingester(settings: Settings, stop: asyncio.Event, exits: AsyncExitStack) -> None:
    sessions, _ = await _database(settings, stop, exits)
    broker = await _broker(settings, stop, exits)
    stream = await _stream(settings, stop, exits)
    ingester, heartbeats = make_ingester(settings, sessions=sessions, broker=broker, stream=stream)
    await asyncio.gather(
        ingester.run(stop, drain=False),
        ingester.sweep_periodically(stop),
        ingester.track_workers(heartbeats, stop),
    )


async def run_notifier(settings: Settings, stop: asyncio.Event, exits: AsyncExitStack) -> None:
    sessions, _ = await _database(settings, stop, exits)
    stream = await _stream(settings, stop, exits)
    notifier, sender = make_notifier(settings, sessions=sessions, stream=stream)
    exits.callback(sender.close)
    await notifier.run(stop)


Role = Callable[[Settings, asyncio.Event, AsyncExitStack], Awaitable[None]]


async def run_role(name: str, role: Role, settings: Settings) -> None:
    """Run one role until a signal, closing what it opened, in reverse order."""
    stop = stop_on_signals()
    log.info(kv(event="starting", role=name))
    async with AsyncExitStack() as exits:
        with suppress(Stopped):
            await role(settings, stop, exits)
    log.info(kv(event="stopped", role=name))
