"""`betteruptime up`: every role in one process, on SQLite and in-process transports
(or on the real engines, when their URLs are set).

Shutdown (SIGINT/SIGTERM) runs in dependency order so nothing in hand is lost: the
scheduler stops publishing; the worker finishes the checks it started and publishes their
results; the ingester drains the result queue and relays the last events; the notifier
handles what was relayed; then the HTTP server stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from betteruptime.db.migrate import upgrade_async
from betteruptime.db.session import create_engine, session_factory
from betteruptime.logs import get_logger, kv
from betteruptime.runtime.app import create_app
from betteruptime.runtime.browsers import browser_problem
from betteruptime.runtime.components import (
    make_ingester,
    make_notifier,
    make_scheduler,
    make_worker,
)
from betteruptime.runtime.engines import open_broker, open_stream
from betteruptime.runtime.server import http_server
from betteruptime.runtime.signals import stop_on_signals
from betteruptime.settings import Settings
from betteruptime.transport.queues import ResultQueue

log = get_logger("up")


async def run_embedded(settings: Settings) -> None:
    stop = stop_on_signals()
    await upgrade_async(settings.database_url)
    settings.resolved_secret_key()  # created beside the database on the first run
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    broker = await open_broker(settings.rabbitmq_url, stop, embedded=True)
    stream = await open_stream(settings.redis_url, stop, embedded=True)
    scheduler = make_scheduler(settings, sessions=sessions, engine=engine, broker=broker)
    worker, probes = make_worker(
        settings, broker=broker, region=settings.region, chromium=_chromium(settings)
    )
    ingester, heartbeats = make_ingester(settings, sessions=sessions, broker=broker, stream=stream)
    notifier, sender = make_notifier(settings, sessions=sessions, stream=stream)
    # Pings received by the api go to the same in-process result queue as probe results.
    roles = RoleTasks()
    app = create_app(settings, sessions, ResultQueue(broker), roles=roles.alive)
    server = http_server(settings, app)

    stops = {name: asyncio.Event() for name in ("scheduler", "worker", "ingester", "notifier")}
    tasks = roles.tasks = {
        "scheduler": asyncio.create_task(scheduler.run(stops["scheduler"])),
        "worker": asyncio.create_task(worker.run(stops["worker"])),
        "ingester": asyncio.create_task(ingester.run(stops["ingester"])),
        "sweeper": asyncio.create_task(ingester.sweep_periodically(stops["ingester"])),
        "heartbeats": asyncio.create_task(ingester.track_workers(heartbeats, stops["ingester"])),
        "notifier": asyncio.create_task(notifier.run(stops["notifier"])),
        "api": asyncio.create_task(server.serve()),
    }
    log.info(kv(event="started", port=settings.port, database=_describe(settings)))
    await wait_for_stop_or_crash(stop, tasks)

    log.info(kv(event="stopping"))
    for role, followers in (
        ("scheduler", ["scheduler"]),
        ("worker", ["worker"]),
        ("ingester", ["ingester", "sweeper", "heartbeats"]),
        ("notifier", ["notifier"]),
    ):
        stops[role].set()
        await asyncio.gather(*(tasks[name] for name in followers), return_exceptions=True)
    server.should_exit = True
    await asyncio.gather(tasks["api"], return_exceptions=True)
    await probes.close()
    sender.close()
    await broker.close()
    await stream.close()
    await engine.dispose()
    log.info(
        kv(
            event="stopped",
            published=scheduler.published,
            checked=worker.checked,
            stored=ingester.stored,
        )
    )
    raise_if_crashed(tasks)


class RoleTasks:
    """The roles' tasks of this process, for /healthz: alive means not ended."""

    def __init__(self) -> None:
        self.tasks: dict[str, asyncio.Task[None]] = {}

    def alive(self) -> Mapping[str, bool]:
        return {name: not task.done() for name, task in self.tasks.items()}


async def wait_for_stop_or_crash(stop: asyncio.Event, tasks: dict[str, asyncio.Task[None]]) -> None:
    """Return when asked to stop, or when a task ended on its own (it crashed)."""
    stopping = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({stopping, *tasks.values()}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    for name, task in tasks.items():
        if task in done:
            log.error(kv(event="role_ended", role=name, error=repr(task.exception())))
            stop.set()


def raise_if_crashed(tasks: dict[str, asyncio.Task[None]]) -> None:
    for task in tasks.values():
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise RuntimeError("a role crashed; see the log above") from task.exception()


def _chromium(settings: Settings) -> str | None:
    """The Chromium for browser checks when this machine has one (and Playwright); the
    log says whether browser checks run here, and if not, why."""
    chromium = settings.chromium_executable()
    problem = browser_problem(chromium)
    if problem:
        log.info(kv(event="browser_checks_off", why=problem))
        return None
    log.info(kv(event="browser_checks_on", chromium=chromium, pages=settings.browser_pages))
    return chromium


def _describe(settings: Settings) -> str:
    path = settings.sqlite_path()
    return f"sqlite:{path}" if path else "postgresql"
