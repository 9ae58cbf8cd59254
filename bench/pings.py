"""Heartbeat ping intake: how many pings per second one api process accepts.

    python -m bench pings --monitors 100 --seconds 10 --connections 64

Starts `betteruptime up` (embedded mode, SQLite: api, scheduler, ingester in ONE
process, so the ingester's writes share the core with the pings), creates N heartbeat
monitors through the API, then hammers their ping URLs from separate client processes
(aiohttp, many keep-alive connections; the load generator must not share the server's
process or core budget, or the figure would measure the client). Reports pings/s
answered 200, latency, and verifies every accepted ping reached the checks table.

`--api-only` runs `betteruptime api` + `betteruptime ingester` as two processes over
RabbitMQ (BENCH_RABBITMQ_URL) instead, to see the api process on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from bench.common import migrate, wait_for
from bench.roles import start_role
from bench.target import free_port

PASSWORD = "bench password 123"
RABBITMQ_URL = os.environ.get("BENCH_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")


async def _create_heartbeats(base: str, count: int) -> list[str]:
    """Sign up, create `count` heartbeats, wait until the api accepts their pings."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def healthy() -> bool:
            return (await client.get("/healthz")).status_code == 200

        await wait_for(healthy, 60, "the api")
        login = {"email": "bench@example.com", "password": PASSWORD}
        await client.post("/api/v1/auth/signup", json=login)
        token = (await client.post("/api/v1/auth/token", json=login)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        urls = []
        for number in range(count):
            body = {"name": f"job {number}", "kind": "heartbeat", "period_seconds": 3600}
            created = await client.post("/api/v1/monitors", json=body, headers=headers)
            created.raise_for_status()
            urls.append(created.json()["ping_url"])

        async def all_known() -> bool:
            # HEAD on the newest: tokens are loaded in order of change.
            return (await client.head(urls[-1])).status_code == 200

        await wait_for(all_known, 30, "the ping tokens to be loaded")
        # Those probe pings are stored too; start counting from a clean slate below.
    return urls


def _hammer(urls: list[str], connections: int, seconds: float, out: Any) -> None:
    """One client process: `connections` keep-alive loops, round-robin over the URLs."""

    async def main() -> dict[str, Any]:
        ok = failed = 0
        latencies: list[float] = []
        connector = aiohttp.TCPConnector(limit=connections, force_close=False)
        async with aiohttp.ClientSession(connector=connector) as session:
            end = time.monotonic() + seconds

            async def loop(offset: int) -> None:
                nonlocal ok, failed
                index = offset
                while time.monotonic() < end:
                    started = time.perf_counter()
                    async with session.get(urls[index % len(urls)]) as response:
                        await response.read()
                        if response.status == 200:
                            ok += 1
                        else:
                            failed += 1
                    latencies.append(time.perf_counter() - started)
                    index += connections

            await asyncio.gather(*(loop(i) for i in range(connections)))
        return {"ok": ok, "failed": failed, "latencies": latencies[::10]}

    out.put(asyncio.run(main()))


def _load(urls: list[str], *, clients: int, connections: int, seconds: float) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    per_client = max(1, connections // clients)
    processes = [
        context.Process(target=_hammer, args=(urls[i::clients] or urls, per_client, seconds, out))
        for i in range(clients)
    ]
    started = time.monotonic()
    for process in processes:
        process.start()
    parts = [out.get(timeout=seconds + 60) for _ in processes]
    elapsed = time.monotonic() - started
    for process in processes:
        process.join()
    latencies = sorted(x for part in parts for x in part["latencies"])
    return {
        "ok": sum(p["ok"] for p in parts),
        "failed": sum(p["failed"] for p in parts),
        # Includes the clients' start-up, so the rate is a slight underestimate.
        "elapsed_s": elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0,
    }


def _count_checks(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
        return int(db.execute("SELECT count(*) FROM checks").fetchone()[0])


def _wait_stored(database: Path, expected: int, within: float) -> int:
    """Wait for the ingester to store `expected` checks (or stop making progress)."""
    deadline = time.monotonic() + within
    stored = _count_checks(database)
    while stored < expected and time.monotonic() < deadline:
        time.sleep(0.5)
        stored = _count_checks(database)
    return stored


def _start(folder: Path, database: Path, port: int, api_only: bool) -> list[Any]:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("RABBITMQ_URL", "REDIS_URL")},
        "DATABASE_URL": f"sqlite:///{database}",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "BETTERUPTIME_LOG_LEVEL": "WARNING",
    }
    if not api_only:
        return [start_role(["up"], env, folder)]
    env["RABBITMQ_URL"] = RABBITMQ_URL
    env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    migrate(env, cwd=folder)
    return [start_role(["ingester"], env, folder), start_role(["api"], env, folder)]


def run(
    *, monitors: int, seconds: float, connections: int, clients: int, api_only: bool
) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="bench-pings-"))
    database = folder / "betteruptime.db"
    port = free_port()
    processes = _start(folder, database, port, api_only)
    try:
        urls = asyncio.run(_create_heartbeats(f"http://127.0.0.1:{port}", monitors))
        before = _wait_stored(database, monitors, 30)
        load = _load(urls, clients=clients, connections=connections, seconds=seconds)
        stored = _wait_stored(database, before + load["ok"], 120) - before
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    return {
        "mode": "api + ingester (RabbitMQ)" if api_only else "betteruptime up",
        "monitors": monitors,
        "connections": connections,
        "client_processes": clients,
        "accepted": load["ok"],
        "refused": load["failed"],
        "pings_per_s": load["ok"] / load["elapsed_s"],
        "latency_p50_ms": load["p50_ms"],
        "latency_p99_ms": load["p99_ms"],
        "stored": stored,
        "all_stored": stored == load["ok"],
        "log": str(folder),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench pings")
    parser.add_argument("--monitors", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--clients", type=int, default=1, help="client processes")
    parser.add_argument("--api-only", action="store_true")
    parser.add_argument("--json", type=Path, default=Path("bench-pings.json"))
    args = parser.parse_args(argv)
    figures = run(
        monitors=args.monitors,
        seconds=args.seconds,
        connections=args.connections,
        clients=args.clients,
        api_only=args.api_only,
    )
    for key, value in figures.items():
        shown = f"{value:,.1f}" if isinstance(value, float) else str(value)
        print(f"{key:>18}  {shown}")
    args.json.write_text(json.dumps(figures, indent=2))
