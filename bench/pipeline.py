"""End-to-end pipeline throughput: scheduler → worker → ingester on the real engines.

    python -m bench pipeline --monitors 3000 --interval 10 --seconds 60

Creates a throw-away PostgreSQL database, fills it with monitors pointing at distinct
paths of a loopback target, measures the bare client's CPU per request on that target
(bench/bare_client.py: the run's reference), runs the roles as separate processes
(distributed mode: PostgreSQL, RabbitMQ, Redis), and reports what reached the database,
honestly (bench/honesty.py): checks per second of those due in the window AND stored by
its end, against exactly how many were due; the backlog at the end; scheduling lag
(checked_at - due_at) p50/p99/max, per 10 s slice and in the window's first and last
thirds; `steady`, NOT MET when the lag or the backlog grows across the window whatever
else is printed; rows the ingester wrote per second during the window, bytes per stored
check, each role's CPU (in the window, and in all) and peak memory, and every role's and
engine's CPU µs per stored check with the ratios worker ÷ bare client and pipeline ÷
bare client (bench/cost.py). The table starts with the CPU model and core count.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from bench import bare_client, cost, machine
from bench.common import (
    RABBITMQ_URL,
    REDIS_URL,
    fill_http_monitors,
    migrate,
    observe,
    print_figures,
    throwaway_postgres,
    write_json,
)
from bench.farm import Farm
from bench.roles import per_role, start_role, stop_roles
from betteruptime.db.models import Check
from betteruptime.db.session import create_engine

WARM_UP_SECONDS = 10


async def _bytes_per_check(url: str) -> float:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            # A partitioned table has no storage of its own: add up its partitions.
            size = await connection.scalar(
                text(
                    "SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits"
                    " WHERE inhparent = 'checks'::regclass"
                )
            )
            total = await connection.scalar(select(func.count()).select_from(Check))
    finally:
        await engine.dispose()
    return float(size or 0) / max(int(total or 0), 1)


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


async def _queued() -> dict[str, int]:
    """Messages waiting in each queue now (a job message may carry many jobs): where the
    backlog sits says which role is behind."""
    import aio_pika

    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        depths = {}
        for name in ("jobs.default", "results"):
            queue = await channel.declare_queue(name, passive=True)
            depths[name] = int(queue.declaration_result.message_count or 0)
    return depths


def _start_roles(env: dict[str, str], folder: Path, workers: int) -> dict[str, Any]:
    roles = {"ingester": start_role(["ingester"], env, folder)}
    for number in range(1, workers + 1):
        roles[f"worker-{number}"] = start_role(["worker", "--region", "default"], env, folder)
    roles["scheduler"] = start_role(["scheduler"], env, folder)
    return roles


def run(
    monitors: int, interval: int, seconds: int, workers: int, *, warm_up: int = WARM_UP_SECONDS
) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    with throwaway_postgres() as url, Farm() as farm:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "RABBITMQ_URL": RABBITMQ_URL,
            "REDIS_URL": REDIS_URL,
            "BETTERUPTIME_LOG_LEVEL": "WARNING",
        }
        migrate(env)
        asyncio.run(_reset_engines())
        asyncio.run(
            fill_http_monitors(url, monitors=monitors, interval=interval, target=farm.base_url)
        )
        # The reference of this run: a bare client's CPU per request on the same target.
        reference = bare_client.measure(farm.base_url)
        roles = _start_roles(env, folder, workers)
        try:
            figures = observe(
                url,
                roles,
                warm_up=warm_up,
                seconds=seconds,
                interval=interval,
                monitors=monitors,
            )
            queued = asyncio.run(_queued())
            bytes_per_check = asyncio.run(_bytes_per_check(url))
        finally:
            spent = stop_roles(roles)
        farm_cpu = farm.cpu_seconds()
    window_cpu = figures.pop("window_cpu_s")
    per_check = cost.per_check(
        window_cpu,
        figures["engines_window_cpu_s"],
        figures["stored_in_window"],
        reference["cpu_us_per_request"],
        figures["postgresql_own_backends_window_cpu_s"],
    )
    return {
        "machine": machine.describe(),
        "monitors": monitors,
        "interval_s": interval,
        "window_s": seconds,
        "workers": workers,
        "target": farm.kind,
        **figures,
        "bytes_per_check": bytes_per_check,
        "queued_messages_at_end": queued,
        "per_role": per_role(spent, window_cpu, seconds),
        "bare_client": reference,
        "cpu_us_per_stored_check": per_check,
        "roles": spent,
        "target_cpu_s": farm_cpu,
        "log": str(folder),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench pipeline")
    parser.add_argument("--monitors", type=int, default=3000)
    parser.add_argument("--interval", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--warm-up", type=int, default=WARM_UP_SECONDS)
    parser.add_argument("--json", type=Path, default=Path("bench-pipeline.json"))
    args = parser.parse_args(argv)
    figures = run(args.monitors, args.interval, args.seconds, args.workers, warm_up=args.warm_up)
    print(machine.headline(figures["machine"]))
    print_figures({k: v for k, v in figures.items() if k not in ("roles", "machine")})
    per_check = figures["cpu_us_per_stored_check"]
    print(
        f"\nbare client (this run): {per_check['reference_us_per_request']:,.1f} CPU µs a request;"
        f" worker ÷ bare client {cost.ratio_text(per_check['worker_ratio'], cost.WORKER_GOAL)};"
        f" pipeline ÷ bare client"
        f" {cost.ratio_text(per_check['pipeline_ratio'], cost.PIPELINE_GOAL)}"
    )
    print(f"window: {figures['steady']}")
    write_json(args.json, figures)
