"""pair_conditions selects exactly the given (id, time) pairs, on both engines, whether
the times are shared by many ids (rollup buckets) or each id's own (checks' due times)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from betteruptime.db import pairs
from betteruptime.db.pairs import pair_conditions

BASE = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
metadata = MetaData()
rows_table = Table(
    "pairs_probe",
    metadata,
    Column("row_id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), primary_key=True),
)


def _stored(engine_rows: list[tuple[int, datetime]]) -> set[tuple[int, datetime]]:
    return {
        (row_id, at.replace(tzinfo=UTC) if at.tzinfo is None else at) for row_id, at in engine_rows
    }


@pytest.fixture
async def everything(engine: AsyncEngine) -> AsyncIterator[list[tuple[int, datetime]]]:
    """Ids 1-600, each at 5 minute buckets and at 3 instants of its own; the table is
    dropped afterwards, so no other test sees it."""
    rows = [(i, BASE + timedelta(minutes=m)) for i in range(1, 601) for m in range(5)]
    rows += [
        (i, BASE + timedelta(seconds=i * 0.618 + k * 60)) for i in range(1, 601) for k in range(3)
    ]
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(insert(rows_table), [{"row_id": i, "at": at} for i, at in rows])
    yield rows
    async with engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)


async def test_it_selects_exactly_the_pairs_asked_for(
    engine: AsyncEngine, everything: list[tuple[int, datetime]]
) -> None:
    wanted = set(random.Random(7).sample(everything, 1500))
    conditions = list(pair_conditions(rows_table.c.row_id, rows_table.c.at, wanted))
    async with engine.connect() as connection:
        found = (await connection.execute(select(rows_table).where(or_(*conditions)))).all()
        per_query: list[tuple[int, datetime]] = []
        for condition in conditions:
            per_query += (await connection.execute(select(rows_table).where(condition))).all()
    assert _stored(found) == wanted
    assert len(per_query) == len(wanted)  # no pair read twice
    # Shared bucket times are read with one query each, lone times in row-value lists.
    assert len(conditions) < 5 + len(wanted) // pairs.PAIRS_PER_CONDITION + 5


async def test_deleting_by_them_leaves_every_other_pair(
    engine: AsyncEngine, everything: list[tuple[int, datetime]]
) -> None:
    doomed = set(everything[::3])
    async with engine.begin() as connection:
        for condition in pair_conditions(rows_table.c.row_id, rows_table.c.at, doomed):
            await connection.execute(delete(rows_table).where(condition))
        left = (await connection.execute(select(rows_table))).all()
    assert _stored(left) == set(everything) - doomed
