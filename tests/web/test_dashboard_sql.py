"""The dashboard's grouped queries compute time buckets and join figures in SQL, which is
written differently per dialect: the same answers on SQLite and PostgreSQL.

Not async: the PostgreSQL fixture runs an event loop of its own to create the database.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import delete

from betteruptime.db.models import Check, Monitor, RollupHour, User
from betteruptime.db.session import SessionFactory, create_engine, session_factory
from betteruptime.db.types import utcnow
from betteruptime.domain.rollups import Aggregate, bucket_start
from betteruptime.web.charts import chart_series
from betteruptime.web.dashboard import overview_rows
from web.test_monitor_charts import add_checks, epoch, points

T = TypeVar("T")
DATABASES = pytest.mark.parametrize("database", ["database_url", "postgres_url"])


def on_database(
    request: pytest.FixtureRequest, database: str, work: Callable[[SessionFactory], Awaitable[T]]
) -> T:
    """Run `work` on one database of each kind (the fixture is resolved before the loop)."""
    url: str = request.getfixturevalue(database)

    async def run() -> T:
        engine = create_engine(url)
        try:
            return await work(session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(run())


@DATABASES
def test_checks_fall_in_the_same_chart_buckets(
    request: pytest.FixtureRequest, database: str
) -> None:
    # Sub-second due times next to a bucket's start land on the right side of it.
    minute = bucket_start(utcnow(), "minute") - timedelta(minutes=3)
    edges = [minute - timedelta(microseconds=1), minute, minute + timedelta(seconds=59.999)]
    # Checks have no foreign key; an id nobody else uses keeps a shared database apart.
    monitor_id = 900_000 + secrets.randbelow(100_000)

    async def work(sessions: SessionFactory) -> dict[str, Any]:
        try:
            await add_checks(
                sessions,
                monitor_id,
                *(
                    {"due_at": due, "region": region, "response_time_ms": ms, "dns_ms": ms}
                    for due, ms in zip(edges, (1.0, 10.0, 20.0), strict=True)
                    for region in ("a", "b")
                ),
            )
            async with sessions() as session:
                return await chart_series(
                    session, monitor_id=monitor_id, range_name="1h", now=utcnow(), retention_days=30
                )
        finally:
            async with sessions() as session, session.begin():
                await session.execute(delete(Check).where(Check.monitor_id == monitor_id))

    data = on_database(request, database, work)

    expected = {epoch(minute, "minute") - 60: 1.0, epoch(minute, "minute"): 15.0}
    assert points(data["regions"]["a"], data["t"]) == expected
    assert points(data["regions"]["b"], data["t"]) == expected
    assert points(data["breakdown"]["dns"], data["t"]) == expected


@DATABASES
def test_the_overview_sparkline_puts_each_hour_in_its_slot(
    request: pytest.FixtureRequest, database: str
) -> None:
    now = utcnow()
    hour = bucket_start(now, "hour")
    answered, failed = Aggregate(), Aggregate()
    for ms in (100.0, 150.0):
        answered.add(up=True, response_time_ms=ms)
    failed.add(up=False, response_time_ms=None)

    async def work(sessions: SessionFactory) -> list[Any]:
        async with sessions() as session, session.begin():
            user = User(email=f"sql-{secrets.token_hex(4)}@example.com", password_hash="x")
            session.add(user)
            await session.flush()
            monitor = Monitor(owner_id=user.id, name="m", interval_seconds=60, timeout_seconds=5)
            session.add(monitor)
            await session.flush()
            for start, aggregate in ((hour, answered), (hour - timedelta(hours=3), failed)):
                row = RollupHour(monitor_id=monitor.id, bucket_start=start)
                row.store_aggregate(aggregate)
                session.add(row)
        try:
            async with sessions() as session:
                return await overview_rows(session, owner_id=user.id, now=now)
        finally:
            async with sessions() as session, session.begin():
                await session.execute(delete(RollupHour).where(RollupHour.monitor_id == monitor.id))
                await session.execute(delete(User).where(User.id == user.id))

    (row,) = on_database(request, database, work)

    # The newest hour is the last slot; the hour of failures only counts in the uptime.
    assert row.sparkline == [None] * 23 + [125.0]
    assert row.uptime_24h == pytest.approx(200 / 3)
