"""The dashboard benchmark's data: one user with N monitors and their history, written
with bulk core inserts (executemany in chunks), never ORM objects one by one.

History per monitor: 90 days of day rollups, 7 days of hour rollups, 90 minutes of minute
rollups and an hour of raw checks from two regions; the few monitors whose pages are
measured get 7 days of raw checks from three regions (with the timing breakdown), so
their 24 h and 7 d charts read what a real monitor's would.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert, select

from betteruptime.db.models import (
    Check,
    Incident,
    Monitor,
    MonitorState,
    RollupDay,
    RollupHour,
    RollupMinute,
)
from betteruptime.db.models.checks import rollup_values
from betteruptime.db.session import SessionFactory
from betteruptime.domain.rollups import Aggregate, bucket_start
from betteruptime.services.organizations import personal_organization_id
from betteruptime.services.users import create_user

CHUNK = 5000
INTERVAL = timedelta(seconds=60)
REGIONS = ("eu-west", "us-east")
MEASURED_REGIONS = ("eu-west", "us-east", "ap-south")
# Mostly up, as a real fleet is; the rest shows every badge.
STATUS_WEIGHTS = {"up": 94, "down": 2, "degraded": 2, "pending": 1, "paused": 1}


@dataclass(frozen=True, slots=True)
class Filled:
    user_email: str
    monitor_ids: list[int]
    measured_ids: list[int]
    rows: dict[str, int]


def _aggregates(rng: random.Random, checks: int, variants: int = 24) -> list[Aggregate]:
    """A pool of realistic rollup values for buckets of `checks` checks: log-normal
    response times around different centres, now and then a failure."""
    pool = []
    for variant in range(variants):
        aggregate = Aggregate()
        centre = 60.0 + 15.0 * variant
        for _ in range(checks):
            failed = rng.random() < 0.003
            ms = None if failed else rng.lognormvariate(0, 0.35) * centre
            aggregate.add(up=not failed, response_time_ms=ms)
        pool.append(aggregate)
    return pool


def _rollup_row(monitor_id: int, start: datetime, aggregate: Aggregate) -> dict[str, Any]:
    return {"monitor_id": monitor_id, "bucket_start": start, **rollup_values(aggregate)}


def _rollups(
    rng: random.Random,
    ids: list[int],
    *,
    newest: datetime,
    step: timedelta,
    buckets: int,
    pool: list[Aggregate],
) -> Iterator[dict[str, Any]]:
    for monitor_id in ids:
        # Each monitor keeps to its own speed, give or take the next two variants.
        offset = rng.randrange(len(pool) - 2)
        for back in range(buckets):
            aggregate = pool[offset + rng.randrange(3)]
            yield _rollup_row(monitor_id, newest - back * step, aggregate)


def _checks(
    rng: random.Random, monitor_id: int, *, now: datetime, span: timedelta, regions: tuple[str, ...]
) -> Iterator[dict[str, Any]]:
    due = bucket_start(now - span, "minute")
    centre = 80.0 + 10.0 * (monitor_id % 20)
    while due <= now:
        for number, region in enumerate(regions):
            dns, connect, tls = rng.uniform(1, 8), rng.uniform(5, 30), rng.uniform(10, 45)
            first_byte = rng.lognormvariate(0, 0.3) * centre * (1 + 0.4 * number)
            failed = rng.random() < 0.002
            yield {
                "monitor_id": monitor_id,
                "due_at": due,
                "region": region,
                "checked_at": due + timedelta(milliseconds=rng.randrange(50, 900)),
                "up": not failed,
                "response_time_ms": None if failed else dns + connect + tls + first_byte,
                "status_code": None if failed else 200,
                "error": "connection timed out" if failed else None,
                "dns_ms": dns,
                "connect_ms": connect,
                "tls_ms": None if failed else tls,
                "first_byte_ms": None if failed else first_byte,
            }
        due += INTERVAL


async def _insert(sessions: SessionFactory, table: Table, rows: Iterator[dict[str, Any]]) -> int:
    """Insert in chunks, each one executemany in its own transaction."""
    written = 0
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            written += await _write(sessions, table, chunk)
            chunk = []
    if chunk:
        written += await _write(sessions, table, chunk)
    return written


async def _write(sessions: SessionFactory, table: Table, rows: list[dict[str, Any]]) -> int:
    async with sessions() as session, session.begin():
        await session.execute(insert(table), rows)
    return len(rows)


async def _monitors(
    sessions: SessionFactory, rng: random.Random, *, organization_id: int, count: int, now: datetime
) -> list[int]:
    rows = (
        {
            "organization_id": organization_id,
            "name": f"service {number:04d}",
            "kind": "http",
            "url": f"https://service-{number:04d}.example.com/health",
            "interval_seconds": 60,
            "timeout_seconds": 10.0,
            "regions": list(REGIONS),
            "expected_status": ["2xx"],
            "paused": False,
            "created_at": now - timedelta(days=120),
            "updated_at": now - timedelta(days=120),
        }
        for number in range(count)
    )
    await _insert(sessions, Monitor.__table__, rows)  # type: ignore[arg-type]
    async with sessions() as session:
        found = await session.scalars(
            select(Monitor.id)
            .where(Monitor.organization_id == organization_id)
            .order_by(Monitor.id)
        )
        ids = list(found.all())
    statuses = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()), k=count)
    states = (
        {
            "monitor_id": monitor_id,
            "status": status,
            "last_checked_at": now - timedelta(seconds=rng.randrange(60)),
            "last_error": "HTTP 503" if status in ("down", "degraded") else None,
        }
        for monitor_id, status in zip(ids, statuses, strict=True)
    )
    await _insert(sessions, MonitorState.__table__, states)  # type: ignore[arg-type]
    return ids


async def user_with_organization(sessions: SessionFactory, *, email: str, password: str) -> int:
    """A new user; the id of their personal organization (where their monitors go)."""
    async with sessions() as session:
        user = await create_user(session, email=email, password=password)
        return await personal_organization_id(session, user=user)


async def fill(
    sessions: SessionFactory,
    *,
    email: str,
    password: str,
    monitors: int,
    measured: int,
    now: datetime,
) -> Filled:
    rng = random.Random(42)
    organization_id = await user_with_organization(sessions, email=email, password=password)
    ids = await _monitors(sessions, rng, organization_id=organization_id, count=monitors, now=now)
    measured_ids = ids[:measured]
    counts: dict[str, int] = {}
    per_minute = len(REGIONS)
    plan: list[tuple[str, type[Any], timedelta, int, str]] = [
        ("rollups_day", RollupDay, timedelta(days=1), 90, "day"),
        ("rollups_hour", RollupHour, timedelta(hours=1), 7 * 24, "hour"),
        ("rollups_minute", RollupMinute, timedelta(minutes=1), 90, "minute"),
    ]
    for name, model, step, buckets, resolution in plan:
        checks_per_bucket = int(step / INTERVAL) * per_minute
        pool = _aggregates(rng, min(checks_per_bucket, 3000))
        newest = bucket_start(now, resolution)  # type: ignore[arg-type]
        rows = _rollups(rng, ids, newest=newest, step=step, buckets=buckets, pool=pool)
        counts[name] = await _insert(sessions, model.__table__, rows)
    checks = itertools.chain.from_iterable(
        _checks(rng, monitor_id, now=now, span=timedelta(days=7), regions=MEASURED_REGIONS)
        if monitor_id in measured_ids
        else _checks(rng, monitor_id, now=now, span=timedelta(hours=1), regions=REGIONS)
        for monitor_id in ids
    )
    counts["checks"] = await _insert(sessions, Check.__table__, checks)  # type: ignore[arg-type]
    counts["incidents"] = await _insert(
        sessions,
        Incident.__table__,  # type: ignore[arg-type]
        (
            {
                "monitor_id": monitor_id,
                "status": "resolved",
                "started_at": now - timedelta(days=day, minutes=30),
                "resolved_at": now - timedelta(days=day),
                "cause": "HTTP 503",
            }
            for monitor_id in measured_ids
            for day in range(1, 40, 2)
        ),
    )
    return Filled(user_email=email, monitor_ids=ids, measured_ids=measured_ids, rows=counts)
