"""Embedded mode at scale: `betteruptime up` (every role in one process, SQLite) with N
HTTP monitors at interval I.

    python -m bench embedded --monitors 20000 --interval 60 --seconds 60

Fills a new SQLite database (our migrations, then the monitors in bulk) with monitors on
distinct paths of the loopback target farm (bench/farm.py: nginx when installed), starts
`betteruptime up` on it, and after a warm-up measures a window: checks stored per second
(of those due in it), scheduling lag (checked_at - due_at) p50/p99/max, due checks not
stored (worker_missed of them dropped as too late), rows written per second, and the
one process's CPU seconds and peak memory (VmHWM).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

from bench import machine
from bench.common import (
    embedded_env,
    fill_http_monitors,
    observe,
    print_figures,
    remove_sqlite,
    write_json,
)
from bench.farm import Farm
from bench.roles import start_role, stop_roles
from bench.target import free_port
from betteruptime.db.migrate import upgrade

WARM_UP_SECONDS = 10
MEMORY_TARGET_MB = 500.0


def run(
    monitors: int, interval: int, seconds: int, *, warm_up: int = WARM_UP_SECONDS
) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="bench-embedded-"))
    database = folder / "betteruptime.db"
    url = f"sqlite:///{database}"
    upgrade(url)
    with Farm() as farm:
        asyncio.run(
            fill_http_monitors(url, monitors=monitors, interval=interval, target=farm.base_url)
        )
        roles = {"up": start_role(["up"], embedded_env(url, free_port()), folder)}
        try:
            figures = observe(
                url, roles, warm_up=warm_up, seconds=seconds, interval=interval, monitors=monitors
            )
        finally:
            spent = stop_roles(roles)["up"]
        farm_cpu = farm.cpu_seconds()
    database_mb = database.stat().st_size / 2**20
    remove_sqlite(database)
    window_cpu = figures.pop("window_cpu_s")["up"]
    return {
        "machine": machine.describe(),
        "monitors": monitors,
        "interval_s": interval,
        "window_s": seconds,
        "target": farm.kind,
        **figures,
        "window_cpu_s": window_cpu,
        "window_cores": window_cpu / seconds,
        "cpu_s": spent["cpu_s"],
        "peak_rss_mb": spent["peak_rss_mb"],
        "stopped": spent["stopped"],
        "database_mb": database_mb,
        "target_cpu_s": farm_cpu,
        "log": str(folder),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench embedded")
    parser.add_argument("--monitors", type=int, default=20000)
    parser.add_argument("--interval", type=int, default=60)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--warm-up", type=int, default=WARM_UP_SECONDS)
    parser.add_argument("--json", type=Path, default=Path("bench-embedded.json"))
    args = parser.parse_args(argv)
    figures = run(args.monitors, args.interval, args.seconds, warm_up=args.warm_up)
    print(machine.headline(figures["machine"]))
    print_figures({k: v for k, v in figures.items() if k != "machine"})
    write_json(args.json, figures)
