"""Changes to monitors (db/changes.py) on SQLite and PostgreSQL: what a poll reads, and
what a commit announces to the listeners of its own engine only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, select, update

from betteruptime.db.changes import MonitorChange, MonitorPoller, on_monitor_commit
from betteruptime.db.models import Monitor
from betteruptime.db.session import SessionFactory, create_engine, session_factory
from betteruptime.db.types import utcnow

MonitorFactory = Callable[..., Any]


class Copy:
    """What a reader keeps: monitor id -> paused."""

    def __init__(self) -> None:
        self.paused: dict[int, bool] = {}
        self.rows_read = 0

    def apply(self, row: Row[Any]) -> None:
        self.rows_read += 1
        if row.kind == "heartbeat":
            self.paused.pop(row.id, None)  # left the scope
        else:
            self.paused[row.id] = row.paused

    def remove(self, monitor_id: int) -> None:
        self.paused.pop(monitor_id, None)


def probed_poller(sessions: SessionFactory) -> MonitorPoller:
    statement = select(Monitor.id, Monitor.kind, Monitor.paused)
    return MonitorPoller(sessions, statement, scope=(Monitor.kind != "heartbeat",))


async def poll(poller: MonitorPoller, copy: Copy) -> None:
    copy.rows_read = 0
    await poller.poll(apply=copy.apply, held=copy.paused.keys, remove=copy.remove)


async def test_a_poll_reads_the_scope_first_then_only_what_changed_and_drops_deletes(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    old = utcnow() - timedelta(minutes=10)  # changed long before the watermark
    kept, edited, deleted = [await make_monitor(updated_at=old) for _ in range(3)]
    heartbeat = await make_monitor(kind="heartbeat", ping_token="t" * 32, updated_at=old)
    poller, copy = probed_poller(sessions), Copy()

    await poll(poller, copy)
    assert (copy.paused, copy.rows_read) == ({kept: False, edited: False, deleted: False}, 3)

    async with sessions() as session, session.begin():
        await session.execute(
            update(Monitor).where(Monitor.id == edited).values(paused=True, updated_at=utcnow())
        )
        await session.execute(
            update(Monitor)
            .where(Monitor.id == heartbeat)
            .values(kind="http", ping_token=None, updated_at=utcnow())
        )
        await session.delete(await session.get(Monitor, deleted))
    await poll(poller, copy)

    assert copy.paused == {kept: False, edited: True, heartbeat: False}
    assert copy.rows_read == 2  # the two changed rows, not the whole table

    poller.restart()
    await poll(poller, copy)
    assert copy.rows_read == 3


async def test_a_commit_tells_its_engine_s_listeners_what_each_monitor_now_is(
    sessions: SessionFactory, make_monitor: MonitorFactory, database_url: str
) -> None:
    heard: list[MonitorChange] = []
    stop = on_monitor_commit(sessions, heard.extend)
    other = create_engine(database_url)
    try:
        created = await make_monitor(kind="heartbeat", ping_token="a" * 32)
        async with sessions() as session:
            monitor = await session.get(Monitor, created)
            assert monitor is not None
            monitor.paused = True
            monitor.updated_at = utcnow()
            await session.commit()
            await session.delete(monitor)
            await session.commit()
        changed_id = await make_monitor()
        async with sessions() as session:  # rolled back: never happened
            changed = await session.get(Monitor, changed_id)
            assert changed is not None
            changed.name = "renamed"
            await session.flush()
            await session.rollback()
        heard_before_other = len(heard)
        async with session_factory(other)() as session, session.begin():
            there = await session.get(Monitor, changed_id)
            assert there is not None
            there.paused = True
    finally:
        stop()
        await other.dispose()

    assert [(c.monitor_id, c.ping_token, c.paused, c.deleted) for c in heard] == [
        (created, "a" * 32, False, False),
        (created, "a" * 32, True, False),
        (created, "a" * 32, True, True),
        (changed_id, None, False, False),  # its creation; not the rolled-back rename
    ]
    assert len(heard) == heard_before_other  # another engine's commit: not ours
    assert all(c.updated_at.tzinfo is not None for c in heard)


async def test_a_stopped_listener_hears_nothing_more(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    heard: list[Sequence[MonitorChange]] = []
    stop = on_monitor_commit(sessions, heard.append)
    await make_monitor()
    stop()
    await make_monitor()

    assert len(heard) == 1
