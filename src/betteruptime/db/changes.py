"""Changes to monitors: how a process learns of those made elsewhere, and of its own.

Across processes, `MonitorPoller` reads the monitors changed since its previous poll:
every change stamps `monitors.updated_at`, so a poll reads the rows stamped after a
watermark. Deletes leave no stamp behind; they are found by comparing how many rows the
reader's scope holds with how many ids it holds itself. The scheduler (its plan) and the
api (its ping tokens) both keep an in-memory copy of some monitors this way.

Within a process, `on_monitor_commit` calls a listener right after each commit that
inserted, changed or deleted monitors through the ORM, with what they are now: the
process that made a change knows it before it answers the request that made it, without
waiting for its next poll.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Row, Select, event, func, select
from sqlalchemy.orm import Mapper, Session, object_session

from betteruptime.db.models import Monitor
from betteruptime.db.session import SessionFactory

# A change commits a little after it stamps updated_at, so a read can miss a row stamped
# just before it; each poll therefore goes back this far before the previous one began.
# Rows read twice cost their reader a comparison.
WATERMARK_OVERLAP = timedelta(seconds=5)
# Rows per round trip: the first poll reads every monitor in scope, and 100,000 ORM
# objects held at once would cost hundreds of MB for a moment.
POLL_SLICE = 10_000


class MonitorPoller:
    """Reads the monitors changed since the previous poll, for a reader that keeps a copy.

    `statement` says what to read of each monitor (`select(Monitor)`, or some of its
    columns with `Monitor.id`); `scope` which monitors the reader keeps. The first poll
    reads the monitors in scope; later ones every monitor stamped since, in scope or
    not (one that left the scope must be seen to be dropped)."""

    def __init__(
        self,
        sessions: SessionFactory,
        statement: Select[*tuple[Any, ...]],
        *,
        scope: Sequence[ColumnElement[bool]],
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._statement = statement
        self._scope = tuple(scope)
        # updated_at is wall-clock time (the writer's), whatever clock the reader runs on.
        self._wall_clock = wall_clock
        self._watermark: datetime | None = None

    def restart(self) -> None:
        """Read every monitor in scope again at the next poll (a reader starting afresh)."""
        self._watermark = None

    async def poll(
        self,
        *,
        apply: Callable[[Row[Any]], None],
        held: Callable[[], Collection[int]],
        remove: Callable[[int], None],
    ) -> None:
        """`apply` each row read; then, when the reader `held` other ids than the scope
        has, `remove` those the database no longer has in scope (deleted monitors)."""
        next_mark = self._wall_clock() - WATERMARK_OVERLAP
        if self._watermark is None:
            query = self._statement.where(*self._scope)
        else:
            query = self._statement.where(Monitor.updated_at > self._watermark)
        async with self._sessions() as session:
            rows = await session.stream(query.execution_options(yield_per=POLL_SLICE))
            async for row in rows:
                apply(row)
            count = select(func.count()).select_from(Monitor).where(*self._scope)
            if await session.scalar(count) != len(held()):
                ids = set((await session.scalars(select(Monitor.id).where(*self._scope))).all())
                for gone in [monitor_id for monitor_id in held() if monitor_id not in ids]:
                    remove(gone)
        self._watermark = next_mark


@dataclass(frozen=True, slots=True)
class MonitorChange:
    """A monitor as a commit left it; `deleted` when the commit deleted it."""

    monitor_id: int
    ping_token: str | None
    paused: bool
    updated_at: datetime
    deleted: bool = False


Listener = Callable[[Sequence[MonitorChange]], None]

# Listeners by the (sync) engine whose commits they hear: a test process holds several
# databases, and one's monitor ids mean nothing to another's listeners.
_listeners: weakref.WeakKeyDictionary[Engine, list[Listener]] = weakref.WeakKeyDictionary()
_CHANGES = "betteruptime.monitor_changes"


def on_monitor_commit(sessions: SessionFactory, listener: Listener) -> Callable[[], None]:
    """Call `listener` after every commit, through a session of `sessions`' engine, that
    wrote monitors with the ORM; returns the function that stops it.

    The listener runs inside the commit call, before the writer goes on: it must only
    update memory. (Bulk statements such as `delete(Monitor)` are not seen: pollers
    catch those.)"""
    _install()
    engine: Engine = sessions.kw["bind"].sync_engine
    _listeners.setdefault(engine, []).append(listener)

    def stop() -> None:
        registered = _listeners.get(engine, [])
        if listener in registered:
            registered.remove(listener)

    return stop


_installed = False


def _install() -> None:
    """Hook the ORM once per process, when the first listener registers: a process
    without one (a worker, the ingester) pays nothing."""
    global _installed
    if _installed:
        return
    _installed = True
    event.listen(Monitor, "after_insert", _written)
    event.listen(Monitor, "after_update", _written)
    event.listen(Monitor, "after_delete", _deleted)
    event.listen(Session, "after_commit", _committed)
    event.listen(Session, "after_rollback", _rolled_back)


def _record(connection: Connection, target: Monitor, *, deleted: bool) -> None:
    if not _listeners.get(connection.engine):
        return
    session = object_session(target)
    if session is None:
        return
    change = MonitorChange(target.id, target.ping_token, target.paused, target.updated_at, deleted)
    session.info.setdefault(_CHANGES, []).append((connection.engine, change))


def _written(_mapper: Mapper[Monitor], connection: Connection, target: Monitor) -> None:
    _record(connection, target, deleted=False)


def _deleted(_mapper: Mapper[Monitor], connection: Connection, target: Monitor) -> None:
    _record(connection, target, deleted=True)


def _committed(session: Session) -> None:
    recorded: list[tuple[Engine, MonitorChange]] = session.info.pop(_CHANGES, [])
    if not recorded:
        return
    by_engine: dict[Engine, list[MonitorChange]] = {}
    for engine, change in recorded:
        by_engine.setdefault(engine, []).append(change)
    for engine, changes in by_engine.items():
        for listener in list(_listeners.get(engine, [])):
            listener(changes)


def _rolled_back(session: Session) -> None:
    session.info.pop(_CHANGES, None)  # never happened
