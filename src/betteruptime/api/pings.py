"""Heartbeat ping intake of the api: which token is which monitor, and where pings go.

The hot path reads no database. Tokens live in an in-memory map, loaded at start and
kept in step once a second by reading the monitors changed since the last read (the
`updated_at` watermark, as the scheduler does), so a new or re-tokened heartbeat
accepts pings within about a second and a deleted one stops. Pings are published to the
result queue in small batches (a few ms of collecting) by transport's ResultBuffer; a ping
is answered once its batch is published, so "OK" means the ping is in the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import func, select

from betteruptime.db.models import Monitor
from betteruptime.db.session import SessionFactory
from betteruptime.domain.messages import CheckResult
from betteruptime.lifecycle import sleep_or_stop
from betteruptime.logs import get_logger, kv
from betteruptime.transport.queues import ResultQueue
from betteruptime.transport.result_buffer import ResultBuffer

log = get_logger("api")

REFRESH_SECONDS = 1.0
# A change commits a little after it stamps updated_at, so each read goes back this far
# before the previous one began; rows read twice cost nothing.
WATERMARK_OVERLAP = timedelta(seconds=5)
# Long enough to gather a few pings under load, short next to any HTTP round trip.
FLUSH_SECONDS = 0.005
FLUSH_SIZE = 500


@dataclass(frozen=True, slots=True)
class PingTarget:
    monitor_id: int
    paused: bool


class PingTokens:
    """Token -> monitor, in memory; `refresh()` applies what changed in the database."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions
        self._by_token: dict[str, PingTarget] = {}
        self._token_of: dict[int, str] = {}
        self._watermark: datetime | None = None

    def get(self, token: str) -> PingTarget | None:
        return self._by_token.get(token)

    def __len__(self) -> int:
        return len(self._by_token)

    async def refresh(self) -> None:
        next_mark = datetime.now(UTC) - WATERMARK_OVERLAP
        query = select(Monitor.id, Monitor.ping_token, Monitor.paused)
        if self._watermark is None:
            query = query.where(Monitor.ping_token.is_not(None))
        else:
            # Without the token filter: a monitor that stopped being a heartbeat (its
            # token set to null) must be read too, so its old URL stops working.
            query = query.where(Monitor.updated_at > self._watermark)
        async with self._sessions() as session:
            for monitor_id, token, paused in (await session.execute(query)).all():
                self._set(monitor_id, token, paused)
            with_token = Monitor.ping_token.is_not(None)
            count = await session.scalar(select(func.count()).where(with_token))
            if count != len(self._token_of):
                # Deletes leave no updated_at behind: reconcile the ids.
                ids = set((await session.scalars(select(Monitor.id).where(with_token))).all())
                for monitor_id in self._token_of.keys() - ids:
                    self._set(monitor_id, None, False)
        self._watermark = next_mark

    def _set(self, monitor_id: int, token: str | None, paused: bool) -> None:
        old = self._token_of.pop(monitor_id, None)
        if old is not None:
            self._by_token.pop(old, None)
        if token is not None:
            self._token_of[monitor_id] = token
            self._by_token[token] = PingTarget(monitor_id, paused)

    async def keep_fresh(self, stop: asyncio.Event, every: float = REFRESH_SECONDS) -> None:
        while not await sleep_or_stop(stop, every):
            try:
                await self.refresh()
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
        self._buffer = ResultBuffer(results, flush_size=FLUSH_SIZE, flush_seconds=flush_seconds)
        self._refresh_seconds = refresh_seconds
        self._stop = asyncio.Event()
        self._refreshing: asyncio.Task[None] | None = None
        self.received = 0

    async def start(self) -> None:
        try:
            await self.tokens.refresh()
        except Exception as error:  # retried every second by keep_fresh
            log.warning(kv(event="ping_tokens_load_failed", error=type(error).__name__))
        self._stop.clear()
        self._refreshing = asyncio.create_task(
            self.tokens.keep_fresh(self._stop, self._refresh_seconds)
        )
        log.info(kv(event="pings_accepted", tokens=len(self.tokens)))

    async def stop(self) -> None:
        """Stop refreshing and publish what is still gathered."""
        self._stop.set()
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
