"""The ingester's database work alone: how many results a second `record_results` stores
on PostgreSQL, and where the time goes, statement by statement.

    python -m bench ingest --monitors 100000 --rounds 2

Fills a throw-away database with monitors, then feeds it rounds of synthetic results (one
per monitor and round, due times a minute apart, as the scheduler would send them at a
60 s interval) in batches of the ingester's size. The first round warms up (it creates
every state, hour and day row); the later rounds are measured. No broker and no probe:
this is the ceiling the ingester's writes put on the pipeline.
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

from bench.common import (
    fill_http_monitors,
    migrate,
    print_figures,
    throwaway_postgres,
    write_json,
)
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


async def _run(url: str, monitors: int, rounds: int, batch: int) -> dict[str, Any]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    times = StatementTimes()
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=rounds + 1)
    figures: dict[str, Any] = {}
    try:
        for number in range(rounds):
            measured = number > 0
            if measured and number == 1:
                event.listen(engine.sync_engine, "before_cursor_execute", times.before)
                event.listen(engine.sync_engine, "after_cursor_execute", times.after)
            due_at = start + timedelta(minutes=number)
            began = time.perf_counter()
            for first in range(1, monitors + 1, batch):
                results = _results(first, min(batch, monitors + 1 - first), due_at, number)
                async with sessions() as session, session.begin():
                    await record_results(session, results)
            spent = time.perf_counter() - began
            figures[f"round_{number}{'' if measured else '_warm_up'}_results_per_s"] = round(
                monitors / spent
            )
    finally:
        await engine.dispose()
    figures["statements"] = times.table()
    return figures


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench ingest")
    parser.add_argument("--monitors", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=2, help="the first warms up")
    parser.add_argument("--batch", type=int, default=BATCH_SIZE)
    parser.add_argument("--json", type=Path, default=Path("bench-ingest.json"))
    args = parser.parse_args(argv)
    with throwaway_postgres() as url:
        migrate({**os.environ, "DATABASE_URL": url})
        asyncio.run(
            fill_http_monitors(
                url, monitors=args.monitors, interval=60, target="http://127.0.0.1:9"
            )
        )
        figures = {"monitors": args.monitors, "batch": args.batch}
        figures.update(asyncio.run(_run(url, args.monitors, args.rounds, args.batch)))
    print_figures(figures)
    write_json(args.json, figures)
