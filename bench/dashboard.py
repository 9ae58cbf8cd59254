"""Dashboard page times at scale: one user with 1,000 monitors and their history.

    python -m bench dashboard --monitors 1000 --requests 50
    python -m bench dashboard --database-url postgresql://…/empty_db

Fills a fresh database (SQLite in a temporary folder by default, or the given URL, which
should be an empty, throw-away database) through our own migrations and bulk inserts
(bench/dashboard_data.py), then starts the real api role (`betteruptime api`: the app
`betteruptime up` serves, on uvicorn, on loopback, alone in its process, so the figures
are the pages' and not the scheduler's), signs in through the login form and times
sequential requests to each page: the overview (every monitor), a monitor's page and its
chart data for 24 h, 7 d and 90 d. Reports median, p95 and max per page.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import signal
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.dashboard_data import Filled, fill
from bench.roles import start_role
from bench.target import free_port
from betteruptime.db.migrate import upgrade
from betteruptime.db.session import create_engine, session_factory
from betteruptime.db.types import utcnow

PASSWORD = "bench password 123"
TARGET_MS = 300.0
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _fill(url: str, *, monitors: int, measured: int) -> tuple[Filled, float]:
    engine = create_engine(url)
    started = time.perf_counter()
    try:
        filled = await fill(
            session_factory(engine),
            email=f"bench-{secrets.token_hex(4)}@example.com",
            password=PASSWORD,
            monitors=monitors,
            measured=measured,
            now=utcnow(),
        )
    finally:
        await engine.dispose()
    return filled, time.perf_counter() - started


async def _wait_healthy(client: httpx.AsyncClient, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.1)
    raise TimeoutError("the api did not become healthy")


async def _sign_in(client: httpx.AsyncClient, email: str) -> None:
    """Through the real form, as a browser would: the session cookie stays in the jar."""
    form = await client.get("/login")
    found = _CSRF.search(form.text)
    if found is None:
        raise RuntimeError("the login page has no CSRF field")
    data = {"csrf_token": found.group(1), "email": email, "password": PASSWORD}
    answer = await client.post("/login", data=data)
    if answer.status_code != 303:
        raise RuntimeError(f"login failed: HTTP {answer.status_code}")


def _pages(filled: Filled) -> dict[str, list[str]]:
    """Each page's URLs; monitor pages rotate over the measured monitors."""
    monitors = [f"/monitors/{monitor_id}" for monitor_id in filled.measured_ids]
    return {
        "overview (/)": ["/"],
        "monitor page": monitors,
        "chart 24h": [f"{page}/chart?range=24h" for page in monitors],
        "chart 7d": [f"{page}/chart?range=7d" for page in monitors],
        "chart 90d": [f"{page}/chart?range=90d" for page in monitors],
    }


async def _measure(
    client: httpx.AsyncClient, urls: list[str], requests: int
) -> dict[str, float | int]:
    for url in urls:  # warm-up: first-use costs (template compile, caches) are not typical
        (await client.get(url)).raise_for_status()
    times: list[float] = []
    size = 0
    for number in range(requests):
        started = time.perf_counter()
        response = await client.get(urls[number % len(urls)])
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        size = len(response.content)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
        "max_ms": round(times[-1], 1),
        "bytes": size,
    }


async def _measure_all(base: str, filled: Filled, requests: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await _wait_healthy(client, 60)
        await _sign_in(client, filled.user_email)
        return {
            page: await _measure(client, urls, requests) for page, urls in _pages(filled).items()
        }


def run(*, database_url: str | None, monitors: int, measured: int, requests: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    url = database_url or f"sqlite:///{folder / 'betteruptime.db'}"
    started = time.perf_counter()
    upgrade(url)
    migrated = time.perf_counter() - started
    filled, filling = asyncio.run(_fill(url, monitors=monitors, measured=measured))
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("RABBITMQ_URL", "REDIS_URL")},
        "DATABASE_URL": url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "BETTERUPTIME_SECRET_KEY": secrets.token_urlsafe(32),
        "BETTERUPTIME_LOG_LEVEL": "WARNING",
    }
    server = start_role(["api"], env, folder)
    try:
        pages = asyncio.run(_measure_all(f"http://127.0.0.1:{port}", filled, requests))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    return {
        "database": "postgresql" if url.startswith("postgres") else "sqlite",
        "monitors": monitors,
        "requests_per_page": requests,
        "rows": filled.rows,
        "migrate_s": round(migrated, 2),
        "fill_s": round(filling, 2),
        "pages": pages,
        "target_median_ms": TARGET_MS,
        "log": str(folder),
    }


def _print(figures: dict[str, Any]) -> None:
    rows = ", ".join(f"{name} {count:,}" for name, count in figures["rows"].items())
    print(f"{figures['database']}, {figures['monitors']:,} monitors; rows: {rows}")
    print(f"migrate {figures['migrate_s']} s, fill {figures['fill_s']} s")
    print(f"{'page':<14} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'bytes':>9}")
    for page, times in figures["pages"].items():
        print(
            f"{page:<14} {times['median_ms']:>10.1f} {times['p95_ms']:>8.1f} "
            f"{times['max_ms']:>8.1f} {times['bytes']:>9,}"
        )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench dashboard")
    parser.add_argument("--monitors", type=int, default=1000)
    parser.add_argument("--measured", type=int, default=5, help="monitors whose pages are timed")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    parser.add_argument(
        "--database-url", help="an empty, throw-away database (default: a new SQLite file)"
    )
    parser.add_argument("--json", type=Path, default=Path("bench-dashboard.json"))
    args = parser.parse_args(argv)
    figures = run(
        database_url=args.database_url,
        monitors=args.monitors,
        measured=min(args.measured, args.monitors),
        requests=args.requests,
    )
    _print(figures)
    args.json.write_text(json.dumps(figures, indent=2))
