"""API latency with the data set loaded: a monitor's 90-day stats and the monitor list.

    python -m bench api_latency --monitors 10000 --requests 1000 [--postgres]

Fills a new database (SQLite in a temporary folder, or a throw-away PostgreSQL one with
--postgres) through our migrations and bulk inserts (bench/dashboard_data.py's pieces):
one user, N monitors with their states and 90 days of day rollups each (what a 90-day
window reads; --full-history adds the hour and minute rollups and raw checks of the
dashboard bench, which makes the fill several times longer). Then starts the api role
(`betteruptime api`, alone in its process, on loopback), gets a bearer token from
POST /api/v1/auth/token and times sequential requests on one keep-alive connection:
`GET /api/v1/monitors/{id}/stats?window=90d` over many monitors, and the monitor list's
first page `GET /api/v1/monitors` (its default page: limit=100, offset=0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    PASSWORD,
    api_token,
    embedded_env,
    percentile,
    print_figures,
    remove_sqlite,
    throwaway_postgres,
    wait_healthy,
    write_json,
)
from bench.dashboard_data import (
    _aggregates,
    _insert,
    _monitors,
    _rollups,
    fill,
    user_with_organization,
)
from bench.roles import start_role, stop_roles
from bench.target import free_port
from betteruptime.db.migrate import upgrade
from betteruptime.db.models import RollupDay
from betteruptime.db.session import create_engine, session_factory
from betteruptime.db.types import utcnow
from betteruptime.domain.rollups import bucket_start

EMAIL = "bench@example.com"
STATS_TARGET_MS = 50.0
LIST_TARGET_MS = 100.0
WARM_UP_REQUESTS = 20


async def _fill(url: str, *, monitors: int, full_history: bool) -> tuple[list[int], int]:
    """The monitors' ids and how many rollup rows were written."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    now = utcnow()
    try:
        if full_history:
            filled = await fill(
                sessions, email=EMAIL, password=PASSWORD, monitors=monitors, measured=5, now=now
            )
            return filled.monitor_ids, sum(filled.rows.values())
        rng = random.Random(42)
        organization_id = await user_with_organization(sessions, email=EMAIL, password=PASSWORD)
        ids = await _monitors(
            sessions, rng, organization_id=organization_id, count=monitors, now=now
        )
        days = _rollups(
            rng,
            ids,
            newest=bucket_start(now, "day"),
            step=timedelta(days=1),
            buckets=90,
            pool=_aggregates(rng, 3000),
        )
        rows = await _insert(sessions, RollupDay.__table__, days)  # type: ignore[arg-type]
        return ids, rows
    finally:
        await engine.dispose()


async def _time(client: httpx.AsyncClient, paths: list[str], requests: int) -> dict[str, float]:
    for number in range(WARM_UP_REQUESTS):  # first-use costs (caches, plans) are not typical
        (await client.get(paths[number % len(paths)])).raise_for_status()
    times = []
    for number in range(requests):
        started = time.perf_counter()
        answer = await client.get(paths[number % len(paths)])
        times.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    times.sort()
    return {
        "requests": requests,
        "p50_ms": statistics.median(times),
        "p99_ms": percentile(times, 0.99),
        "max_ms": times[-1],
    }


async def _measure(base: str, ids: list[int], requests: int) -> dict[str, Any]:
    await wait_healthy(base)
    token = await api_token(base, EMAIL)
    headers = {"Authorization": f"Bearer {token}"}
    chosen = random.Random(7).sample(ids, min(len(ids), requests))
    stats = [f"/api/v1/monitors/{monitor_id}/stats?window=90d" for monitor_id in chosen]
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        first = (await client.get(stats[0])).json()
        return {
            "stats_90d": await _time(client, stats, requests),
            "list_first_page": await _time(client, ["/api/v1/monitors"], max(requests // 5, 50)),
            "sample_stats": first,
        }


def run(*, monitors: int, requests: int, postgres: bool, full_history: bool) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="bench-api-"))
    with contextlib.ExitStack() as stack:
        if postgres:
            url = stack.enter_context(throwaway_postgres())
        else:
            url = f"sqlite:///{folder / 'betteruptime.db'}"
        upgrade(url)
        started = time.perf_counter()
        ids, rollups = asyncio.run(_fill(url, monitors=monitors, full_history=full_history))
        filling = time.perf_counter() - started
        port = free_port()
        roles = {"api": start_role(["api"], embedded_env(url, port), folder)}
        try:
            measured = asyncio.run(_measure(f"http://127.0.0.1:{port}", ids, requests))
        finally:
            spent = stop_roles(roles)["api"]
            remove_sqlite(folder / "betteruptime.db")
    return {
        "database": "postgresql" if postgres else "sqlite",
        "monitors": monitors,
        "rows_written": rollups,
        "fill_s": filling,
        **measured,
        "api_peak_rss_mb": spent["peak_rss_mb"],
        "targets_ms": {"stats_90d_p99": STATS_TARGET_MS, "list_first_page_p99": LIST_TARGET_MS},
        "log": str(folder),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench api_latency")
    parser.add_argument("--monitors", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=1000, help="timed stats requests")
    parser.add_argument("--postgres", action="store_true", help="a throw-away PostgreSQL db")
    parser.add_argument("--full-history", action="store_true", help="the dashboard bench's fill")
    parser.add_argument("--json", type=Path, default=Path("bench-api-latency.json"))
    args = parser.parse_args(argv)
    figures = run(
        monitors=args.monitors,
        requests=args.requests,
        postgres=args.postgres,
        full_history=args.full_history,
    )
    print_figures(figures)
    write_json(args.json, figures)
