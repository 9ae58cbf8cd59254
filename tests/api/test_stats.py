"""Stats come from rollups alone: hour rows for 24h and 7d, day rows for 30d and 90d."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from betteruptime.db.models import Check, RollupDay, RollupHour
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.domain.rollups import Aggregate, bucket_start

Create = Callable[..., Awaitable[dict[str, Any]]]


def _aggregate(up: int, down: int, times: list[float]) -> Aggregate:
    aggregate = Aggregate()
    for ms in times[:up]:
        aggregate.add(up=True, response_time_ms=ms)
    for _ in range(down):
        aggregate.add(up=False, response_time_ms=None)
    return aggregate


async def _add_rollup(
    sessions: SessionFactory,
    model: type[RollupHour] | type[RollupDay],
    monitor_id: int,
    start: datetime,
    aggregate: Aggregate,
) -> None:
    async with sessions() as session:
        row = model(monitor_id=monitor_id, bucket_start=start)
        row.store_aggregate(aggregate)
        session.add(row)
        await session.commit()


async def _stats(
    client: httpx.AsyncClient, headers: dict[str, str], monitor_id: int, window: str | None = None
) -> httpx.Response:
    params = {"window": window} if window else {}
    return await client.get(f"/api/v1/monitors/{monitor_id}/stats", params=params, headers=headers)


async def test_it_has_no_uptime_without_checks(
    client: httpx.AsyncClient, alice: dict[str, str], create_monitor: Create
) -> None:
    monitor = await create_monitor(alice)

    response = await _stats(client, alice, monitor["id"])

    assert response.json() == {
        "window": "24h",
        "uptime_percent": None,
        "checks": 0,
        "failures": 0,
        "response_time_ms": {"avg": None, "p50": None, "p95": None, "p99": None},
    }


async def test_it_computes_uptime_and_percentiles_from_hour_rollups(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    hour = bucket_start(utcnow(), "hour")
    # 100 successes at 1..100 ms spread over two hours, and 25 failures.
    await _add_rollup(
        sessions,
        RollupHour,
        monitor["id"],
        hour,
        _aggregate(50, 20, [float(i) for i in range(1, 51)]),
    )
    await _add_rollup(
        sessions,
        RollupHour,
        monitor["id"],
        hour - timedelta(hours=5),
        _aggregate(50, 5, [float(i) for i in range(51, 101)]),
    )
    # A raw check that no rollup counts: stats must not read the checks table.
    async with sessions() as session:
        now = utcnow()
        session.add(
            Check(monitor_id=monitor["id"], region="x", due_at=now, checked_at=now, up=False)
        )
        await session.commit()

    stats = (await _stats(client, alice, monitor["id"], "24h")).json()

    assert (stats["checks"], stats["failures"]) == (125, 25)
    assert stats["uptime_percent"] == pytest.approx(80.0)
    times = stats["response_time_ms"]
    assert times["avg"] == pytest.approx(50.5)
    # Histogram buckets are 20 % wide: estimates are within about 10 % of the truth.
    assert times["p50"] == pytest.approx(50, rel=0.12)
    assert times["p95"] == pytest.approx(95, rel=0.12)
    assert times["p99"] == pytest.approx(99, rel=0.12)


async def test_it_counts_only_the_buckets_inside_the_window(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    hour, day = bucket_start(utcnow(), "hour"), bucket_start(utcnow(), "day")
    await _add_rollup(
        sessions, RollupHour, monitor["id"], hour - timedelta(hours=2), _aggregate(1, 0, [10.0])
    )
    await _add_rollup(
        sessions,
        RollupHour,
        monitor["id"],
        hour - timedelta(days=3),
        _aggregate(2, 0, [10.0, 10.0]),
    )
    await _add_rollup(
        sessions, RollupHour, monitor["id"], hour - timedelta(days=8), _aggregate(4, 0, [10.0] * 4)
    )
    await _add_rollup(
        sessions, RollupDay, monitor["id"], day - timedelta(days=20), _aggregate(8, 0, [10.0] * 8)
    )
    await _add_rollup(
        sessions, RollupDay, monitor["id"], day - timedelta(days=60), _aggregate(16, 0, [10.0] * 16)
    )
    await _add_rollup(
        sessions,
        RollupDay,
        monitor["id"],
        day - timedelta(days=100),
        _aggregate(32, 0, [10.0] * 32),
    )

    counts = {
        window: (await _stats(client, alice, monitor["id"], window)).json()["checks"]
        for window in ("24h", "7d", "30d", "90d")
    }

    assert counts == {"24h": 1, "7d": 3, "30d": 8, "90d": 24}


async def test_it_lists_the_allowed_windows_when_given_another(
    client: httpx.AsyncClient, alice: dict[str, str], create_monitor: Create
) -> None:
    monitor = await create_monitor(alice)

    response = await _stats(client, alice, monitor["id"], "1y")

    assert response.status_code == 422
    detail = response.json()["details"][0]
    assert detail["field"] == "window"
    for window in ("24h", "7d", "30d", "90d"):
        assert window in detail["message"]
