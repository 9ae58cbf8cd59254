"""Which monitor a ping URL's token names, as the api's ping intake knows it.

Known tokens live in memory, and a ping with a known, active token reads no database:
that is the hot path. The map is kept right three ways:

- this process's own changes (API, dashboard) reach it inside their commit
  (db/changes.py `on_monitor_commit`), before the request that made them is answered;
- other processes' changes (another api, `betteruptime apply`) reach it by a poll of
  `monitors.updated_at` every REFRESH_SECONDS (db/changes.py `MonitorPoller`);
- a token it does not know is looked up in the database at once (one query by the
  unique token), so a heartbeat created anywhere takes its first ping. An answer of
  "no such token" is remembered for a while (RecentMisses), so a client repeating an
  unknown URL costs one query, and at most LOOKUPS_AT_ONCE lookups run at a time.

A token known as paused is looked up too before a ping is dropped: another process may
have resumed the monitor since the last poll, and a cron job's ping must not be lost for
that. (Paused monitors are rarely pinged much; a lookup is cheap.)

What other processes change reaches this one within a poll, so a monitor deleted or
paused elsewhere takes pings for up to REFRESH_SECONDS more, plus the poll's own time:
CHANGES_ELSEWHERE_WITHIN_SECONDS, as README § Heartbeats documents it.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select

from betteruptime.db.changes import MonitorChange, MonitorPoller
from betteruptime.db.models import Monitor
from betteruptime.db.session import SessionFactory
from betteruptime.logs import get_logger, kv

log = get_logger("api")

REFRESH_SECONDS = 1.0
# What the README promises for changes made by other processes: a refresh's interval,
# and as long again for the poll itself.
CHANGES_ELSEWHERE_WITHIN_SECONDS = 2 * REFRESH_SECONDS
# Database lookups of tokens not in memory, at once; more wait their turn...
LOOKUPS_AT_ONCE = 4
# ...up to this many different tokens waiting; beyond, a ping is answered 503 (retry).
MAX_WAITING_LOOKUPS = 256
# A token the database does not have is answered 404 from memory for this long.
MISS_SECONDS = 60.0
MAX_MISSES = 10_000
# The column holds at most 64 characters of token_urlsafe's alphabet: anything else
# names no monitor, and is refused without a query.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


class LookupUnavailable(Exception):
    """A token could not be looked up (the database is away, or too many lookups
    wait): whether it names a monitor is unknown, so the ping should be retried."""


@dataclass(frozen=True, slots=True)
class PingTarget:
    monitor_id: int
    paused: bool
    # The monitor's updated_at when this was read: an older read never replaces it.
    version: datetime


class RecentMisses:
    """Tokens the database did not have, each remembered for `seconds`, at most `size`
    of them (the oldest forgotten first): bounded whatever a client sends."""

    def __init__(
        self,
        *,
        size: int = MAX_MISSES,
        seconds: float = MISS_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._size = size
        self._seconds = seconds
        self._clock = clock
        self._until: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._until)

    def __contains__(self, token: object) -> bool:
        until = self._until.get(token)  # type: ignore[call-overload]
        if until is None:
            return False
        if until > self._clock():
            return True
        del self._until[token]  # type: ignore[arg-type]
        return False

    def add(self, token: str) -> None:
        self._until[token] = self._clock() + self._seconds
        self._until.move_to_end(token)
        while len(self._until) > self._size:
            self._until.popitem(last=False)

    def discard(self, token: str) -> None:
        self._until.pop(token, None)


class PingTokens:
    """Token -> monitor: in memory for known tokens, looked up once for the others."""

    def __init__(
        self,
        sessions: SessionFactory,
        *,
        misses: RecentMisses | None = None,
        lookups_at_once: int = LOOKUPS_AT_ONCE,
        max_waiting: int = MAX_WAITING_LOOKUPS,
    ) -> None:
        self._sessions = sessions
        self._by_token: dict[str, PingTarget] = {}
        self._token_of: dict[int, str] = {}
        self._misses = misses or RecentMisses()
        self._lookups = asyncio.Semaphore(lookups_at_once)
        self._max_waiting = max_waiting
        # One lookup per token at a time: a burst of pings of a new token asks once.
        self._flights: dict[str, asyncio.Future[PingTarget | None]] = {}
        self._poller = MonitorPoller(
            sessions,
            select(Monitor.id, Monitor.ping_token, Monitor.paused, Monitor.updated_at),
            scope=(Monitor.ping_token.is_not(None),),
        )
        self.lookups = 0  # database lookups made, for tests and logs

    def __len__(self) -> int:
        return len(self._by_token)

    def known(self, token: str) -> PingTarget | None:
        """What memory says of `token`, without asking the database."""
        return self._by_token.get(token)

    async def resolve(self, token: str) -> PingTarget | None:
        """The monitor `token` names, or None when none does.

        Raises LookupUnavailable when the token is not known here and the database
        could not be asked."""
        target = self._by_token.get(token)
        if target is not None and not target.paused:
            return target  # the hot path: no await, no query
        if target is None and (token in self._misses or not _TOKEN_SHAPE.fullmatch(token)):
            return None
        try:
            return await self._look_up(token)
        except Exception as error:
            if target is not None:
                return target  # known as paused; the database cannot say otherwise now
            log.warning(kv(event="ping_token_lookup_failed", error=type(error).__name__))
            raise LookupUnavailable from error

    # -- keeping the map right ----------------------------------------------------------

    async def refresh(self) -> None:
        """Apply what other processes changed since the last refresh."""
        await self._poller.poll(apply=self._apply_row, held=self._token_of.keys, remove=self._drop)

    def apply_changes(self, changes: Sequence[MonitorChange]) -> None:
        """This process's own commits (db/changes.py `on_monitor_commit`)."""
        for change in changes:
            if change.deleted:
                self._drop(change.monitor_id)
            else:
                self._set(change.monitor_id, change.ping_token, change.paused, change.updated_at)

    def _apply_row(self, row: Row[Any]) -> None:
        self._set(row.id, row.ping_token, row.paused, row.updated_at)

    def _set(self, monitor_id: int, token: str | None, paused: bool, version: datetime) -> None:
        old = self._token_of.get(monitor_id)
        if old is not None:
            if self._by_token[old].version > version:
                return  # read before a change this process already applied
            self._drop(monitor_id)
        if token is not None:
            self._token_of[monitor_id] = token
            self._by_token[token] = PingTarget(monitor_id, paused, version)
            self._misses.discard(token)

    def _drop(self, monitor_id: int) -> None:
        token = self._token_of.pop(monitor_id, None)
        if token is not None:
            self._by_token.pop(token, None)

    # -- lookups ------------------------------------------------------------------------

    async def _look_up(self, token: str) -> PingTarget | None:
        flight = self._flights.get(token)
        if flight is None:
            if len(self._flights) >= self._max_waiting:
                raise LookupUnavailable("too many token lookups waiting")
            flight = asyncio.ensure_future(self._query(token))
            self._flights[token] = flight
            flight.add_done_callback(lambda done: self._landed(token, done))
        # Shielded: a client that hangs up must not cancel the answer others wait for.
        return await asyncio.shield(flight)

    def _landed(self, token: str, flight: asyncio.Future[PingTarget | None]) -> None:
        self._flights.pop(token, None)
        if not flight.cancelled():
            flight.exception()  # retrieved: its waiters (if any are left) raise it

    async def _query(self, token: str) -> PingTarget | None:
        async with self._lookups:
            self.lookups += 1
            statement = select(Monitor.id, Monitor.paused, Monitor.updated_at).where(
                Monitor.ping_token == token
            )
            async with self._sessions() as session:
                row = (await session.execute(statement)).first()
        if row is None:
            known = self._by_token.get(token)
            if known is not None:
                self._drop(known.monitor_id)  # deleted or re-tokened elsewhere
            self._misses.add(token)
            return None
        self._set(row.id, token, row.paused, row.updated_at)
        return self._by_token.get(token)
