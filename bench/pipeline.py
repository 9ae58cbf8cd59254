"""End-to-end pipeline throughput: scheduler → worker → ingester on the real engines.

    python -m bench pipeline --monitors 3000 --interval 10 --seconds 60

Creates a throw-away PostgreSQL database, fills it with monitors pointing at distinct
paths of a loopback target, runs the roles as separate processes (distributed mode:
PostgreSQL, RabbitMQ, Redis), and reports what reached the database: checks per second
sustained, scheduling lag (checked_at - due_at) p50/p99/max, due checks not stored by
the end of the run (worker_missed of them dropped as too late; the rest still queued for
the ingester), and bytes per stored check.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

from bench.roles import start_role
from bench.target import free_port, start

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RABBITMQ_URL = os.environ.get("BENCH_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
WARM_UP_SECONDS = 15


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _fill(url: str, *, monitors: int, interval: int, target: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        user = await connection.fetchval(
            "INSERT INTO users (email, password_hash, created_at) "
            "VALUES ('bench@example.com', 'x', now()) RETURNING id"
        )
        rows = [
            (
                user,
                f"m{i}",
                "http",
                f"{target}/m/{i}",
                "GET",
                "{}",
                True,
                True,
                interval,
                5.0,
                '["default"]',
                '["200-299"]',
                "present",
                3,
                2,
                False,
            )
            for i in range(monitors)
        ]
        await connection.executemany(
            "INSERT INTO monitors (owner_id, name, kind, url, method, headers, follow_redirects,"
            " verify_tls, interval_seconds, timeout_seconds, regions, expected_status,"
            " keyword_mode, failure_threshold, recovery_threshold, paused, created_at,"
            " updated_at) VALUES ($1,$2,$3,$4,$5,$6::json,$7,$8,$9,$10,$11::json,$12::json,"
            " $13,$14,$15,$16, now(), now())",
            rows,
        )
        await connection.execute(
            "INSERT INTO monitor_states (monitor_id, status, consecutive_failures,"
            " consecutive_successes) SELECT id, 'pending', 0, 0 FROM monitors"
        )
    finally:
        await connection.close()


async def _measure(url: str, since: float, until: float) -> dict[str, float]:
    connection = await asyncpg.connect(url)
    try:
        row = await connection.fetchrow(
            "SELECT count(*) AS n,"
            " percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50,"
            " percentile_cont(0.99) WITHIN GROUP (ORDER BY lag) AS p99, max(lag) AS max"
            " FROM (SELECT extract(epoch FROM checked_at - due_at) AS lag FROM checks"
            "       WHERE due_at >= to_timestamp($1) AND due_at < to_timestamp($2)) AS lags",
            since,
            until,
        )
        # A partitioned table has no storage of its own: add up its partitions.
        size = await connection.fetchval(
            "SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits"
            " WHERE inhparent = 'checks'::regclass"
        )
        total = await connection.fetchval("SELECT count(*) FROM checks")
        missed = await connection.fetchval(
            "SELECT coalesce(sum(missed_total), 0) FROM worker_status"
        )
        failed = await connection.fetch(
            "SELECT error, count(*) AS n FROM checks WHERE NOT up"
            " GROUP BY error ORDER BY n DESC LIMIT 3"
        )
        for row_ in failed:
            print(f"failed checks: {row_['n']} x {row_['error']}")
    finally:
        await connection.close()
    return {
        "checks": float(row["n"]),
        "lag_p50_s": float(row["p50"] or 0.0),
        "lag_p99_s": float(row["p99"] or 0.0),
        "lag_max_s": float(row["max"] or 0.0),
        "bytes_per_check": float(size) / max(total, 1),
        "worker_missed": float(missed),
    }


async def _reset_engines() -> None:
    import aio_pika
    import redis.asyncio as redis

    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        for name in ("jobs.default", "results", "workers"):
            await (await channel.declare_queue(name, durable=True)).purge()
    client = redis.from_url(REDIS_URL)
    await client.delete("betteruptime:events")
    await client.aclose()


def run(monitors: int, interval: int, seconds: int, workers: int) -> dict[str, float]:
    name = f"betteruptime_bench_{uuid.uuid4().hex[:8]}"
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    port = free_port()
    farm = start(port, 2)
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "RABBITMQ_URL": RABBITMQ_URL,
        "REDIS_URL": REDIS_URL,
        "BETTERUPTIME_LOG_LEVEL": "WARNING",
    }
    roles: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run(
            [sys.executable, "-m", "betteruptime", "db", "upgrade"],
            env=env,
            check=True,
            capture_output=True,
        )
        asyncio.run(_reset_engines())
        asyncio.run(
            _fill(url, monitors=monitors, interval=interval, target=f"http://127.0.0.1:{port}")
        )
        roles = [start_role(["ingester"], env, folder)]
        roles += [
            start_role(["worker", "--region", "default"], env, folder) for _ in range(workers)
        ]
        roles.append(start_role(["scheduler"], env, folder))
        started = time.time()
        time.sleep(WARM_UP_SECONDS + seconds)
        since, until = started + WARM_UP_SECONDS, started + WARM_UP_SECONDS + seconds
        # Results of the last due times may still be in flight: let them land.
        time.sleep(interval + 5)
        figures = asyncio.run(_measure(url, since, until))
    finally:
        for role in roles:
            role.send_signal(signal.SIGTERM)
        for role in roles:
            role.wait(timeout=120)
        for process in farm:
            process.terminate()
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    expected = monitors * seconds / interval
    return {
        "monitors": monitors,
        "interval_s": interval,
        "window_s": seconds,
        "checks_per_s": figures["checks"] / seconds,
        "expected_per_s": expected / seconds,
        # Due checks not in the database by the end: dropped as too late by a worker
        # (worker_missed) or still queued for the ingester.
        "not_stored_percent": max(0.0, 100 * (1 - figures["checks"] / expected)),
        "worker_missed": figures["worker_missed"],
        "lag_p50_ms": figures["lag_p50_s"] * 1000,
        "lag_p99_ms": figures["lag_p99_s"] * 1000,
        "lag_max_ms": figures["lag_max_s"] * 1000,
        "bytes_per_check": figures["bytes_per_check"],
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench pipeline")
    parser.add_argument("--monitors", type=int, default=3000)
    parser.add_argument("--interval", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", type=Path, default=Path("bench-pipeline.json"))
    args = parser.parse_args(argv)
    figures = run(args.monitors, args.interval, args.seconds, args.workers)
    for key, value in figures.items():
        shown = f"{value:,.1f}" if isinstance(value, float) else str(value)
        print(f"{key:>20}  {shown}")
    args.json.write_text(json.dumps(figures, indent=2))
