"""Small pieces the benchmarks share: engines' URLs, throw-away PostgreSQL databases,
monitors filled in bulk, the stored checks of a window measured, waiting, a signed-in
API client, and printing / writing figures."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select, text

from bench import honesty
from bench.probe_worker import machine_busy_seconds
from bench.roles import cpu_seconds, engines_cpu_seconds, own_backends, spent_since
from betteruptime.db.models import Check, Monitor, MonitorState, User, WorkerStatus
from betteruptime.db.session import create_engine, session_factory
from betteruptime.services.organizations import create_personal_organization

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RABBITMQ_URL = os.environ.get("BENCH_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "bench password 123"
CHUNK = 5000


def embedded_env(database_url: str, port: int) -> dict[str, str]:
    """The environment of a role on `database_url` with in-process queues, quiet logs."""
    return {
        **{k: v for k, v in os.environ.items() if k not in ("RABBITMQ_URL", "REDIS_URL")},
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "BETTERUPTIME_SECRET_KEY": secrets.token_urlsafe(32),
        "BETTERUPTIME_LOG_LEVEL": "WARNING",
    }


async def _admin(statement: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database for one run, dropped afterwards (even if in use)."""
    name = f"betteruptime_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def migrate(env: dict[str, str], cwd: Path | None = None) -> None:
    """`betteruptime db upgrade` on the database of `env`'s DATABASE_URL."""
    command = [sys.executable, "-m", "betteruptime", "db", "upgrade"]
    subprocess.run(command, env=env, check=True, capture_output=True, cwd=cwd)


async def fill_http_monitors(url: str, *, monitors: int, interval: int, target: str) -> None:
    """One user and `monitors` pending HTTP monitors on distinct paths of `target`, in
    bulk (executemany in chunks), on an already migrated database of either engine."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    try:
        async with session_factory(engine)() as session, session.begin():
            user = User(email="bench@example.com", password_hash="x", created_at=now)
            session.add(user)
            await session.flush()
            organization = (await create_personal_organization(session, user=user)).id
        for first in range(0, monitors, CHUNK):
            rows = [
                {
                    "organization_id": organization,
                    "name": f"m{number}",
                    "kind": "http",
                    "url": f"{target}/m/{number}",
                    "interval_seconds": interval,
                    "timeout_seconds": 5.0,
                    "regions": ["default"],
                    "expected_status": ["200-299"],
                    "created_at": now,
                    "updated_at": now,
                }
                for number in range(first, min(first + CHUNK, monitors))
            ]
            async with engine.begin() as connection:
                await connection.execute(insert(Monitor), rows)
        async with engine.begin() as connection:
            await connection.execute(
                insert(MonitorState).from_select(
                    ["monitor_id", "status", "consecutive_failures", "consecutive_successes"],
                    select(Monitor.id, text("'pending'"), text("0"), text("0")),
                )
            )
    finally:
        await engine.dispose()


def remove_sqlite(database: Path) -> None:
    """Delete a run's SQLite database (and its WAL files); the logs beside it stay."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def percentile(ordered: list[float], fraction: float) -> float:
    """The value at `fraction` of an ascending list (0 for an empty one)."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def stored_in_window(url: str, since: float, until: float) -> int:
    """How many checks due in [since, until) are stored."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(
                select(func.count()).where(*_window(since, until)).select_from(Check)
            )
    finally:
        await engine.dispose()
    return int(found or 0)


def _window(since: float, until: float) -> tuple[Any, Any]:
    start, end = datetime.fromtimestamp(since, UTC), datetime.fromtimestamp(until, UTC)
    return Check.due_at >= start, Check.due_at < end


async def measure_window(url: str, since: float, until: float) -> dict[str, Any]:
    """The checks due in [since, until) that were stored: count, scheduling lag
    (checked_at - due_at) p50/p99/max in ms, its p99 per 10 s slice and in the first and
    last thirds of the window, and what the workers dropped as too late."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(Check.due_at, Check.checked_at).where(*_window(since, until))
            )
            pairs = [(due, (checked - due).total_seconds() * 1000) for due, checked in rows]
            lags = sorted(lag for _, lag in pairs)
            failed = await connection.scalar(
                select(func.count()).where(*_window(since, until), ~Check.up).select_from(Check)
            )
            missed = await connection.scalar(select(func.sum(WorkerStatus.missed_total)))
    finally:
        await engine.dispose()
    first_third, last_third = honesty.thirds_p99(
        [(due.timestamp() - since, lag) for due, lag in pairs], until - since
    )
    return {
        "checks": float(len(lags)),
        "failed_checks": float(failed or 0),
        "lag_p50_ms": statistics.median(lags) if lags else 0.0,
        "lag_p99_ms": percentile(lags, 0.99),
        "lag_max_ms": lags[-1] if lags else 0.0,
        "lag_p99_per_slice_ms": _p99_per_slice(pairs, since),
        "lag_p99_first_third_ms": first_third,
        "lag_p99_last_third_ms": last_third,
        "worker_missed": float(missed or 0),
    }


def _p99_per_slice(pairs: list[tuple[datetime, float]], since: float) -> list[int]:
    """Lag p99 of each 10 s slice of due times, in order: a backlog drained at the start
    looks different from one that keeps growing."""
    slices: dict[int, list[float]] = {}
    for due, lag in pairs:
        slices.setdefault(int((due.timestamp() - since) // 10), []).append(lag)
    return [round(percentile(sorted(slices[key]), 0.99)) for key in sorted(slices)]


async def monitor_ids(url: str) -> list[int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return list(await connection.scalars(select(Monitor.id)))
    finally:
        await engine.dispose()


def settle(url: str, since: float, until: float, *, at_most: float) -> None:
    """Let results of the window's due times land: wait until some are stored and the
    count has not grown for 4 s, or `at_most` seconds have passed. (A backlog keeps the
    count at zero for a while: results queue in due order, earlier ones first.)"""
    deadline = time.monotonic() + at_most
    counts: list[int] = []
    while time.monotonic() < deadline:
        counts.append(asyncio.run(stored_in_window(url, since, until)))
        if len(counts) >= 3 and counts[-1] > 0 and counts[-1] == counts[-3]:
            return
        time.sleep(2)


async def _progress(url: str) -> tuple[int, int]:
    """Checks stored so far, and checks the workers say they have run (their last
    heartbeats, every 5 s)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            stored = await connection.scalar(select(func.count()).select_from(Check))
            checked = await connection.scalar(select(func.sum(WorkerStatus.checked_total)))
    finally:
        await engine.dispose()
    return int(stored or 0), int(checked or 0)


def observe(
    url: str,
    roles: dict[str, subprocess.Popen[bytes]],
    *,
    warm_up: float,
    seconds: float,
    interval: float,
    monitors: int,
) -> dict[str, Any]:
    """Watch a running system for `seconds`, from `warm_up` seconds after its first check
    was stored (start-up takes a few seconds, more on a busy machine). Honest by
    construction (bench/honesty.py): checks per second counts the checks due in the
    window and stored by its end, against exactly how many were due; a lag or backlog
    that grows across the window makes `steady` say NOT MET. Also: the rows the ingester
    wrote during the window, each role's and engine's CPU seconds in it."""
    deadline = time.monotonic() + 120
    while asyncio.run(_progress(url))[0] == 0:
        if time.monotonic() > deadline or any(r.poll() is not None for r in roles.values()):
            raise RuntimeError("no check was stored: see the roles' logs")
        time.sleep(0.5)
    ids = asyncio.run(monitor_ids(url))
    started = time.time()
    time.sleep(warm_up)
    rows_before, checked_before = asyncio.run(_progress(url))
    cpu_before = {name: cpu_seconds(role.pid) for name, role in roles.items()}
    machine_before = machine_busy_seconds()
    engines_before = engines_cpu_seconds()
    own_before = asyncio.run(own_backends(url))
    time.sleep(seconds)
    since, until = started + warm_up, started + warm_up + seconds
    # First, what is stored now: what the window sustained, never what lands later.
    start, end = honesty.counted_span(since, until)
    stored = asyncio.run(stored_in_window(url, start, end))
    engines = {k: v - engines_before[k] for k, v in engines_cpu_seconds().items()}
    own = spent_since(own_before, asyncio.run(own_backends(url)))
    cpu_window = {name: cpu_seconds(role.pid) - cpu_before[name] for name, role in roles.items()}
    machine_busy = (machine_busy_seconds() - machine_before) / seconds
    rows_after, checked_after = asyncio.run(_progress(url))
    due = honesty.due_in_span(ids, interval, start, end)
    # Results of the last due times may still be in flight: let them land, for the lag
    # figures (a check stored late still shows its lag) and the not-stored-at-all count.
    settle(url, since, until, at_most=interval + 5)
    figures = asyncio.run(measure_window(url, since, until))
    due_whole = honesty.due_in_span(ids, interval, since, until)
    reasons = honesty.unsteady_reasons(
        first_p99_ms=figures["lag_p99_first_third_ms"],
        last_p99_ms=figures["lag_p99_last_third_ms"],
        backlog_checks=due - stored,
        due_per_s=monitors / interval,
    )
    return {
        "checks_per_s": stored / (end - start),
        "expected_per_s": due / (end - start),
        # Due in the counted span and not stored by the window's end: dropped as too late
        # by a worker (worker_missed), or still queued somewhere.
        "not_stored_percent": max(0.0, 100 * (1 - stored / max(due, 1))),
        "backlog_at_end": due - stored,
        "not_stored_after_settling_percent": max(
            0.0, 100 * (1 - figures["checks"] / max(due_whole, 1))
        ),
        "steady": honesty.verdict(reasons),
        "unsteady_reasons": reasons,
        "worker_missed": figures["worker_missed"],
        "failed_checks": figures["failed_checks"],
        "lag_p50_ms": figures["lag_p50_ms"],
        "lag_p99_ms": figures["lag_p99_ms"],
        "lag_max_ms": figures["lag_max_ms"],
        "lag_p99_first_third_ms": figures["lag_p99_first_third_ms"],
        "lag_p99_last_third_ms": figures["lag_p99_last_third_ms"],
        "lag_p99_per_10s_ms": figures["lag_p99_per_slice_ms"],
        # What the workers ran and what the ingester wrote while the window lasted: under
        # overload these say where the pipeline stops keeping up.
        "worker_checks_per_s": (checked_after - checked_before) / seconds,
        "ingest_rows_per_s": (rows_after - rows_before) / seconds,
        "stored_in_window": rows_after - rows_before,
        # Cores busy in the window, ours and anyone else's: near os.cpu_count() means the
        # machine, not the product, set the pace.
        "machine_cores_busy": machine_busy,
        "engines_cores": {name: cpu / seconds for name, cpu in engines.items()},
        "engines_window_cpu_s": engines,
        # Of PostgreSQL's: the backends serving this run's database (0 on SQLite).
        "postgresql_own_backends_window_cpu_s": own,
        "window_cpu_s": cpu_window,
    }


async def wait_for(condition: Callable[[], Awaitable[bool]], within: float, what: str) -> None:
    """Poll `condition` until it is true; HTTP errors count as not yet."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if await condition():
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.1)
    raise TimeoutError(f"gave up waiting for {what}")


async def wait_healthy(base: str, within: float = 60) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:

        async def healthy() -> bool:
            return (await client.get("/healthz")).status_code == 200

        await wait_for(healthy, within, f"{base}/healthz")


async def api_token(base: str, email: str, password: str = PASSWORD) -> str:
    """A bearer token for an existing user (POST /api/v1/auth/token)."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        answer = await client.post(
            "/api/v1/auth/token", json={"email": email, "password": password}
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])


def print_figures(figures: dict[str, Any]) -> None:
    """One `key  value` line per figure; nested dicts indented under their key."""
    width = max((len(key) for key in figures), default=0)
    for key, value in figures.items():
        if isinstance(value, dict):
            print(f"{key:>{width}}")
            print_figures({f"  {k}": v for k, v in value.items()})
            continue
        shown = f"{value:,.1f}" if isinstance(value, float) else str(value)
        print(f"{key:>{width}}  {shown}")


def write_json(path: Path, figures: Any) -> None:
    path.write_text(json.dumps(figures, indent=2, default=str) + "\n")
