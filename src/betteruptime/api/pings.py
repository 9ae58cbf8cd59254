"""Heartbeat ping intake of the api: which token is which monitor, and where pings go.

The hot path reads no database: known tokens live in memory (api/ping_tokens.py says
how they are kept right, and when a token is looked up). Pings are published to the
result queue in small batches (a few ms of collecting) by transport's ResultBuffer; a
ping is answered once its batch is published, so "OK" means the ping is in the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI

from betteruptime.api.ping_tokens import REFRESH_SECONDS, PingTokens
from betteruptime.db.changes import on_monitor_commit
from betteruptime.db.session import SessionFactory
from betteruptime.domain.messages import CheckResult
from betteruptime.lifecycle import sleep_or_stop
from betteruptime.logs import get_logger, kv
from betteruptime.transport.queues import ResultQueue
from betteruptime.transport.result_buffer import ResultBuffer

log = get_logger("api")

# Long enough to gather a few pings under load, short next to any HTTP round trip.
FLUSH_SECONDS = 0.005
FLUSH_SIZE = 500


async def keep_fresh(tokens: PingTokens, stop: asyncio.Event, every: float) -> None:
    """Refresh `tokens` every `every` seconds until `stop`."""
    while not await sleep_or_stop(stop, every):
        try:
            await tokens.refresh()
        except Exception as error:  # the database is away: keep serving what we know
            log.warning(kv(event="ping_tokens_refresh_failed", error=type(error).__name__))


class PingIntake:
    """What the ping routes use: the token map and the batched result publisher."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        results: ResultQueue,
        flush_seconds: float = FLUSH_SECONDS,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self.tokens = PingTokens(sessions)
        self._sessions = sessions
        self._unwatch: Callable[[], None] | None = None
        self._buffer = ResultBuffer(results, flush_size=FLUSH_SIZE, flush_seconds=flush_seconds)
        self._refresh_seconds = refresh_seconds
        self._stop = asyncio.Event()
        self._refreshing: asyncio.Task[None] | None = None
        self.received = 0

    async def start(self) -> None:
        # This process's own changes, at once (before the request that made them is
        # answered); other processes' by the refresh.
        self._unwatch = on_monitor_commit(self._sessions, self.tokens.apply_changes)
        try:
            await self.tokens.refresh()
        except Exception as error:  # retried every second by keep_fresh
            log.warning(kv(event="ping_tokens_load_failed", error=type(error).__name__))
        self._stop.clear()
        self._refreshing = asyncio.create_task(
            keep_fresh(self.tokens, self._stop, self._refresh_seconds)
        )
        log.info(kv(event="pings_accepted", tokens=len(self.tokens)))

    async def stop(self) -> None:
        """Stop refreshing and publish what is still gathered."""
        self._stop.set()
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        if self._refreshing is not None:
            await asyncio.gather(self._refreshing, return_exceptions=True)
        await self._buffer.flush()

    async def publish(self, result: CheckResult) -> None:
        """Returns once the ping is on the result queue; raises when it could not be."""
        await self._buffer.add(result)
        self.received += 1


@contextlib.asynccontextmanager
async def ping_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The app's lifespan: the ping intake (when there is one) runs while the app does."""
    intake: PingIntake | None = app.state.pings
    if intake is None:
        yield
        return
    await intake.start()
    try:
        yield
    finally:
        await intake.stop()
