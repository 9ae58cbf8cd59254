"""The dashboard's grouped queries compute time buckets and join figures in SQL, which is
written differently per dialect: the same answers on SQLite and PostgreSQL.

Not async: the PostgreSQL fixture runs an event loop of its own to create the database.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import delete

from betteruptime.db.models import Check, Monitor, Rollup, RollupHour, RollupMinute, User
from betteruptime.db.session import SessionFactory, create_engine, session_factory
from betteruptime.db.types import utcnow
from betteruptime.domain.rollups import BUCKET_LENGTH, Aggregate, Resolution, bucket_start
from betteruptime.services.organizations import create_personal_organization
from betteruptime.web.charts import chart_series
from betteruptime.web.dashboard import MonitorRow, overview_rows
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


DAYS_2 = timedelta(days=2)


def _aggregate(*response_times: float) -> Aggregate:
    aggregate = Aggregate()
    for ms in response_times:
        aggregate.add(up=True, response_time_ms=ms)
    return aggregate


def overview_of_one(
    request: pytest.FixtureRequest,
    database: str,
    model: type[Rollup],
    rollups: dict[datetime, Aggregate],
    *,
    created_at: datetime,
    now: datetime,
) -> MonitorRow:
    """The overview's row of a monitor made at `created_at` with these rollups, alone
    in a user's account (the user and its rows are removed afterwards)."""

    async def work(sessions: SessionFactory) -> list[MonitorRow]:
        async with sessions() as session, session.begin():
            user = User(email=f"sql-{secrets.token_hex(4)}@example.com", password_hash="x")
            session.add(user)
            await session.flush()
            organization = await create_personal_organization(session, user=user)
            monitor = Monitor(
                organization_id=organization.id, name="m", interval_seconds=60, timeout_seconds=5,
                created_at=created_at,
            )  # fmt: skip
            session.add(monitor)
            await session.flush()
            for start, aggregate in rollups.items():
                row = model(monitor_id=monitor.id, bucket_start=start)
                row.store_aggregate(aggregate)
                session.add(row)
        try:
            async with sessions() as session:
                return await overview_rows(session, organization_id=organization.id, now=now)
        finally:
            async with sessions() as session, session.begin():
                await session.execute(delete(model).where(model.monitor_id == monitor.id))
                await session.execute(delete(User).where(User.id == user.id))

    (row,) = on_database(request, database, work)
    return row


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
    failed = Aggregate()
    failed.add(up=False, response_time_ms=None)

    written = {hour: _aggregate(100.0, 150.0), hour - timedelta(hours=3): failed}
    row = overview_of_one(request, database, RollupHour, written, created_at=now - DAYS_2, now=now)

    # The newest hour is the last slot; the hour of failures only counts in the uptime.
    assert row.sparkline == [None] * 23 + [125.0]
    assert row.uptime_24h == pytest.approx(200 / 3)


@DATABASES
@pytest.mark.parametrize(
    ("age", "model", "resolution"),
    [(timedelta(minutes=10), RollupMinute, "minute"), (timedelta(hours=5), RollupHour, "hour")],
)
def test_a_young_monitors_sparkline_covers_its_life(
    request: pytest.FixtureRequest,
    database: str,
    age: timedelta,
    model: type[Rollup],
    resolution: Resolution,
) -> None:
    """Younger than an hour: its answers minute by minute (a minute without one left out);
    younger than a day: the hours since it began. Not 24 hourly slots with one dot."""
    now = utcnow()
    created = now - age
    step = BUCKET_LENGTH[resolution]
    first = bucket_start(created, resolution)
    # Data in its first, second and fourth bucket; none in the third.
    written = {first: 100.0, first + step: 200.0, first + 3 * step: 150.0}

    aggregates = {start: _aggregate(ms) for start, ms in written.items()}
    row = overview_of_one(request, database, model, aggregates, created_at=created, now=now)

    if resolution == "minute":
        assert row.sparkline == [100.0, 200.0, 150.0]
    else:
        hours = int((bucket_start(now, "hour") - first) / step) + 1
        assert row.sparkline == [100.0, 200.0, None, 150.0] + [None] * (hours - 4)
    assert row.sparkline_since == first


@DATABASES
def test_a_young_monitors_chart_starts_at_its_oldest_data(
    request: pytest.FixtureRequest, database: str
) -> None:
    now = utcnow()
    created = now - timedelta(minutes=10)
    older_check = bucket_start(now, "minute") - timedelta(minutes=30)  # before it was made
    monitor_id = 900_000 + secrets.randbelow(100_000)

    async def work(sessions: SessionFactory) -> list[dict[str, Any]]:
        try:
            await add_checks(sessions, monitor_id, {"due_at": older_check, "region": "a"})
            async with sessions() as session:
                return [
                    await chart_series(
                        session, monitor_id=monitor_id, range_name=name, now=now,
                        retention_days=30, created_at=created,
                    )
                    for name in ("1h", "24h")
                ]  # fmt: skip
        finally:
            async with sessions() as session, session.begin():
                await session.execute(delete(Check).where(Check.monitor_id == monitor_id))

    by_minute, by_hour = on_database(request, database, work)

    assert by_minute["t"][0] == epoch(older_check, "minute") and len(by_minute["t"]) == 31
    # Everything in the current hour or the one before: the two newest hours.
    assert by_hour["t"] == [epoch(now, "hour") - 3600, epoch(now, "hour")]
