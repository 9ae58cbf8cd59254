"""The ingester's database work alone: how many results a second `record_results` stores
on PostgreSQL, through the generic statements (what SQLite runs) and through the bulk
writes (ingester/bulk.py: what PostgreSQL runs), both in the same run; and where the
time goes, statement by statement (SQLAlchemy's statements: the bulk writes bypass it).

    python -m bench ingest --monitors 100000 --rounds 3

Fills a throw-away database with twice N monitors, then feeds each path its N of them
in rounds of synthetic results (one per monitor and round, due times a minute apart, as
the scheduler would send them at a 60 s interval) in batches of the ingester's size.
The first round warms up (it creates every state, hour and day row); the later rounds
are measured. No broker and no probe: this is the ceiling the ingester's writes put on
the pipeline. The ratio bulk / generic is the figure (goal >= 2x): absolute rates move
with the CPU and with whoever else uses it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench import machine
from bench.common import (
    fill_http_monitors,
    migrate,
    print_figures,
    throwaway_postgres,
    write_json,
)
from bench.roles import backends_cpu_s, spent_since
from betteruptime.db.session import create_engine, session_factory
from betteruptime.domain.messages import CheckResult, Timings
from betteruptime.ingester.service import BATCH_SIZE
from betteruptime.ingester.store import record_results


def _results(first_id: int, count: int, due_at: datetime, number: int) -> list[CheckResult]:
    return [
        CheckResult(
            monitor_id=monitor_id,
            region="default",
            due_at=due_at,
            checked_at=due_at + timedelta(milliseconds=3),
            up=True,
            response_time_ms=1.0 + (monitor_id + number) % 50,
            status_code=200,
            timings=Timings(dns_ms=0.1, connect_ms=0.2, first_byte_ms=1.0, total_ms=1.5),
        )
        for monitor_id in range(first_id, first_id + count)
    ]


class StatementTimes:
    """Wall time of every statement, by its first words, from the engine's events."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._started: list[float] = []

    def before(self, *_args: Any) -> None:
        self._started.append(time.perf_counter())

    def after(self, _conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        words = " ".join(statement.split()[:3])[:40]
        self.seconds[words] += time.perf_counter() - self._started.pop()
        self.calls[words] += 1

    def table(self) -> dict[str, str]:
        ordered = sorted(self.seconds.items(), key=lambda item: -item[1])
        return {name: f"{spent:.2f} s in {self.calls[name]}" for name, spent in ordered}


PATHS = {"generic": False, "bulk": True}
GOAL = 2.0


async def _run(url: str, monitors: int, rounds: int, batch: int) -> dict[str, Any]:
    """Both paths in the same run: monitors 1..N through the generic statements, N+1..2N
    through the bulk writes, round after round, the path that goes first alternating so
    that neither always meets the other's autovacuum or a neighbour's load. Only
    record_results is timed (the results are made before), with the CPU it cost here and
    in PostgreSQL's backends."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    times = {path: StatementTimes() for path in PATHS}
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=rounds + 1)
    spent = {path: {"wall": 0.0, "python": 0.0, "postgresql": 0.0} for path in PATHS}
    figures: dict[str, Any] = {}
    try:
        for number in range(rounds):
            measured = number > 0
            order = list(PATHS) if number % 2 == 0 else list(reversed(PATHS))
            for path in order:
                offset = 0 if path == "generic" else monitors
                due_at = start + timedelta(minutes=number)
                batches = [
                    _results(offset + first, min(batch, monitors + 1 - first), due_at, number)
                    for first in range(1, monitors + 1, batch)
                ]
                if measured:
                    event.listen(engine.sync_engine, "before_cursor_execute", times[path].before)
                    event.listen(engine.sync_engine, "after_cursor_execute", times[path].after)
                backends = await backends_cpu_s(engine)
                began, python = time.perf_counter(), time.process_time()
                for results in batches:
                    async with sessions() as session, session.begin():
                        await record_results(session, results, bulk=PATHS[path])
                took = time.perf_counter() - began
                used = {
                    "wall": took,
                    "python": time.process_time() - python,
                    "postgresql": spent_since(backends, await backends_cpu_s(engine)),
                }
                if measured:
                    for key, value in used.items():
                        spent[path][key] += value
                    event.remove(engine.sync_engine, "before_cursor_execute", times[path].before)
                    event.remove(engine.sync_engine, "after_cursor_execute", times[path].after)
                label = f"round_{number}{'' if measured else '_warm_up'}_{path}_results_per_s"
                figures[label] = round(monitors / took)
    finally:
        await engine.dispose()
    results_measured = monitors * (rounds - 1)
    for path in PATHS:
        figures[f"{path}_results_per_s"] = round(results_measured / max(spent[path]["wall"], 1e-9))
        for part in ("python", "postgresql"):
            figures[f"{path}_{part}_cpu_us_per_result"] = round(
                1e6 * spent[path][part] / results_measured, 1
            )
    figures["ratio_bulk_to_generic"] = spent["generic"]["wall"] / max(spent["bulk"]["wall"], 1e-9)
    # On a busy machine the wall clock mostly measures waiting for a core; the CPU both
    # sides spent (here and in PostgreSQL) is the steadier comparison.
    cpu = {path: spent[path]["python"] + spent[path]["postgresql"] for path in PATHS}
    figures["cpu_ratio_bulk_to_generic"] = cpu["generic"] / max(cpu["bulk"], 1e-9)
    figures["statements"] = {path: times[path].table() for path in PATHS}
    return figures


def run(monitors: int, rounds: int = 3, batch: int = BATCH_SIZE) -> dict[str, Any]:
    """Both paths on a throw-away database of 2 x `monitors`; the figures and the ratio."""
    with throwaway_postgres() as url:
        migrate({**os.environ, "DATABASE_URL": url})
        asyncio.run(
            fill_http_monitors(url, monitors=2 * monitors, interval=60, target="http://127.0.0.1:9")
        )
        figures: dict[str, Any] = {"machine": machine.describe()}
        figures.update({"monitors": monitors, "batch": batch})
        figures.update(asyncio.run(_run(url, monitors, rounds, batch)))
    return figures


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench ingest")
    parser.add_argument("--monitors", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3, help="the first warms up")
    parser.add_argument("--batch", type=int, default=BATCH_SIZE)
    parser.add_argument("--json", type=Path, default=Path("bench-ingest.json"))
    args = parser.parse_args(argv)
    figures = run(args.monitors, args.rounds, args.batch)
    print(machine.headline(figures["machine"]))
    print_figures({k: v for k, v in figures.items() if k != "machine"})
    ratio = figures["ratio_bulk_to_generic"]
    print(
        f"\nbulk writes / generic statements, same run: {ratio:.2f}x the results/s "
        f"(goal >= {GOAL:g}x: {'met' if ratio >= GOAL else 'NOT MET'}), "
        f"{figures['cpu_ratio_bulk_to_generic']:.2f}x less CPU a result"
    )
    write_json(args.json, figures)
