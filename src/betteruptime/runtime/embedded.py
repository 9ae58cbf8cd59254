"""`betteruptime up`: every role in one process, on SQLite and in-process transports.

Shutdown (SIGINT/SIGTERM) runs in dependency order so nothing in hand is lost: the
scheduler stops publishing; the worker finishes the checks it started and publishes their
results; the ingester drains the result queue and relays the last events; then the HTTP
server stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator

import uvicorn

from betteruptime.api.app import create_app
from betteruptime.db.migrate import upgrade_async
from betteruptime.db.session import create_engine, session_factory
from betteruptime.ingester.outbox import OutboxRelay
from betteruptime.ingester.service import Ingester
from betteruptime.logs import get_logger, kv
from betteruptime.probes.registry import Probes
from betteruptime.scheduler.service import Scheduler
from betteruptime.settings import Settings
from betteruptime.transport.memory import MemoryBroker, MemoryEventStream
from betteruptime.transport.queues import HeartbeatQueue, JobQueue, ResultQueue
from betteruptime.worker.service import Worker

log = get_logger("up")


class _Server(uvicorn.Server):
    """Uvicorn without its own signal handling: this process's shutdown is ours to order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _install_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def run_embedded(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    _install_signals(stop)
    await upgrade_async(settings.database_url)
    settings.resolved_secret_key()  # created beside the database on the first run
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    broker, stream = MemoryBroker(), MemoryEventStream()
    jobs, results, heartbeats = JobQueue(broker), ResultQueue(broker), HeartbeatQueue(broker)
    probes = Probes()
    scheduler = Scheduler(sessions=sessions, jobs=jobs, retention_days=settings.retention_days)
    worker = Worker(
        jobs=jobs,
        results=results,
        probes=probes,
        region=settings.region,
        concurrency=settings.worker_concurrency,
        heartbeats=heartbeats,
    )
    ingester = Ingester(
        sessions=sessions, results=results, relay=OutboxRelay(sessions=sessions, stream=stream)
    )
    server = _Server(
        uvicorn.Config(
            create_app(settings, sessions),
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            lifespan="on",
        )
    )

    stop_scheduler, stop_worker, stop_ingester = asyncio.Event(), asyncio.Event(), asyncio.Event()
    tasks = {
        "scheduler": asyncio.create_task(scheduler.run(stop_scheduler)),
        "worker": asyncio.create_task(worker.run(stop_worker)),
        "ingester": asyncio.create_task(ingester.run(stop_ingester)),
        "sweeper": asyncio.create_task(ingester.sweep_periodically(stop_ingester)),
        "heartbeats": asyncio.create_task(ingester.track_workers(heartbeats, stop_ingester)),
        "api": asyncio.create_task(server.serve()),
    }
    log.info(kv(event="started", port=settings.port, database=_describe(settings)))
    await _wait_for_stop_or_crash(stop, tasks)

    log.info(kv(event="stopping"))
    stop_scheduler.set()
    await tasks["scheduler"]
    stop_worker.set()
    await tasks["worker"]
    stop_ingester.set()
    await asyncio.gather(tasks["ingester"], tasks["sweeper"], tasks["heartbeats"])
    server.should_exit = True
    await tasks["api"]
    await probes.close()
    await engine.dispose()
    log.info(
        kv(
            event="stopped",
            published=scheduler.published,
            checked=worker.checked,
            stored=ingester.stored,
        )
    )
    _raise_crashed(tasks)


async def _wait_for_stop_or_crash(
    stop: asyncio.Event, tasks: dict[str, asyncio.Task[None]]
) -> None:
    """Return when asked to stop, or when a role ended on its own (it crashed)."""
    stopping = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({stopping, *tasks.values()}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    for name, task in tasks.items():
        if task in done:
            log.error(kv(event="role_ended", role=name, error=repr(task.exception())))
            stop.set()


def _raise_crashed(tasks: dict[str, asyncio.Task[None]]) -> None:
    for task in tasks.values():
        if task.done() and task.exception() is not None:
            raise RuntimeError("a role crashed; see the log above") from task.exception()


def _describe(settings: Settings) -> str:
    path = settings.sqlite_path()
    return f"sqlite:{path}" if path else "postgresql"
