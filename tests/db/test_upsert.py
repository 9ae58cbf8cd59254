"""insert_for: one INSERT … ON CONFLICT for SQLite and PostgreSQL (db/upsert.py), run on
both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from betteruptime.db.models import Check, RollupMinute
from betteruptime.db.session import SessionFactory
from betteruptime.db.upsert import insert_for
from conftest import MonitorFactory

DUE = datetime(2024, 3, 10, 13, 47, tzinfo=UTC)


def _check(monitor_id: int, error: str) -> dict[str, object]:
    return {
        "monitor_id": monitor_id,
        "region": "eu",
        "due_at": DUE,
        "checked_at": DUE,
        "up": False,
        "error": error,
    }


async def test_a_duplicate_is_skipped_and_only_new_rows_are_returned(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor()
    table = Check.__table__
    async with sessions() as session, session.begin():
        statement = (
            insert_for(session, table)
            .on_conflict_do_nothing(index_elements=["monitor_id", "due_at", "region"])
            .returning(table.c.error)
        )
        first = await session.execute(statement, [_check(monitor_id, "first")])
        again = await session.execute(statement, [_check(monitor_id, "second")])

        assert [row.error for row in first] == ["first"]
        assert list(again) == []
        stored = await session.scalars(select(Check.error))
        assert list(stored) == ["first"]


async def test_a_conflict_can_update_the_row_from_the_excluded_values(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor()
    row = {"monitor_id": monitor_id, "bucket_start": DUE, "count": 1, "failures": 0}
    async with sessions() as session, session.begin():
        insert = insert_for(session, RollupMinute)
        statement = insert.on_conflict_do_update(
            index_elements=["monitor_id", "bucket_start"],
            set_={"count": insert.excluded["count"]},
        )
        await session.execute(statement, [row])
        await session.execute(statement, [{**row, "count": 5}])

        assert list(await session.scalars(select(RollupMinute.count))) == [5]


async def test_it_works_on_a_connection_as_on_a_session(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor()
    async with sessions() as session, session.begin():
        connection = await session.connection()
        statement = insert_for(connection, Check).on_conflict_do_nothing()
        await connection.execute(statement, [_check(monitor_id, "x"), _check(monitor_id, "y")])

        assert list(await session.scalars(select(Check.error))) == ["x"]
