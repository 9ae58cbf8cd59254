"""Every figure of the performance issue from one run on one machine, as one table.

    python -m bench suite [--quick] [--json bench-suite.json]

Runs, one after the other so they do not share the cores with each other:

1. distributed mode (bench/pipeline.py: PostgreSQL, RabbitMQ, Redis; scheduler, worker,
   ingester as processes) at the issue's target size, 100,000 HTTP monitors at 60 s, and
   at a smaller size for comparison: checks/s due and stored inside the window, lag,
   missed, whether lag or backlog grew (a growing window is not met: bench/honesty.py),
   ingest rows/s, bytes per stored check, CPU and peak memory per role, and each role's
   and engine's CPU µs per stored check against the bare client of the same run
   (bench/bare_client.py, bench/cost.py: the worker <= 4x, the pipeline <= 10x);
2. embedded mode (bench/embedded.py: `betteruptime up` on SQLite), 20,000 monitors at 60 s;
3. API latency with 10,000 monitors and 90 days of rollups (bench/api_latency.py);
4. the ingester's writes on PostgreSQL, the bulk path against the generic statements in
   the same run (bench/ingest.py: goal >= 2x);
5. heartbeat pings per second on one api process (bench/pings.py --api-only);
6. the worker alone against prometheus-blackbox-exporter (bench/probes.py).

A part that fails says so in its row and the rest still run. `--quick` runs small sizes
(a smoke run of about three minutes: its figures say the bench works, not how fast).
"""

from __future__ import annotations

import argparse
import functools
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import api_latency, embedded, ingest, pings, pipeline, probes
from bench import machine as machine_info
from bench.common import write_json
from bench.suite_rows import (
    Row,
    cost_rows,
    met,
    shutdown_row,
    throughput_rows,
    usage,
)


@dataclass(frozen=True)
class Sizes:
    # (monitors, interval s, measured window s); the first is the target
    distributed: list[tuple[int, int, int]]
    embedded: tuple[int, int]
    embedded_window: int
    warm_up: int
    api_monitors: int
    ingest_monitors: int
    api_requests: int
    ping_seconds: float
    probe_seconds: float


FULL = Sizes(
    # The target is sustained for the 5 minutes; the comparison (short
    # intervals: every minute rollup updated six times) for one.
    distributed=[(100_000, 60, 300), (12_000, 10, 60)],
    embedded=(20_000, 60),
    embedded_window=60,
    warm_up=10,
    api_monitors=10_000,
    ingest_monitors=20_000,
    api_requests=1000,
    ping_seconds=10,
    probe_seconds=20,
)
QUICK = Sizes(
    distributed=[(2_000, 10, 15)],
    embedded=(2_000, 10),
    embedded_window=15,
    warm_up=5,
    api_monitors=1_000,
    ingest_monitors=2_000,
    api_requests=200,
    ping_seconds=3,
    probe_seconds=5,
)


def _warm_up(sizes: Sizes, interval: int) -> int:
    """Start-up settles in about half an interval (every monitor's first due time has
    passed by one interval): measure after that, not during it."""
    return max(sizes.warm_up, interval // 2)


def _distributed(sizes: Sizes) -> tuple[list[Row], dict[str, Any]]:
    rows: list[Row] = []
    runs: dict[str, Any] = {}
    for number, (monitors, interval, window) in enumerate(sizes.distributed):
        name = f"distributed {monitors:,} @ {interval} s for {window} s"
        work = functools.partial(
            pipeline.run,
            monitors,
            interval,
            window,
            1,
            warm_up=_warm_up(sizes, interval),
        )
        figures = _guarded(name, rows, work)
        if figures is None:
            continue
        runs[name] = figures
        window = figures["window_s"]
        rows += throughput_rows(name, figures, is_target=number == 0 and sizes is FULL)
        rows += cost_rows(name, figures, judged=sizes is FULL)
        queued = ", ".join(f"{q} {n:,}" for q, n in figures["queued_messages_at_end"].items())
        rows.append((f"{name}: messages still queued at the end", queued, "—", "—"))
        rows.append(
            (f"{name}: bytes per stored check", f"{figures['bytes_per_check']:,.0f}", "—", "—")
        )
        engines = ", ".join(
            f"{engine} {cores:.2f}" for engine, cores in figures["engines_cores"].items()
        )
        rows.append((f"{name}: engines' cores", engines, "—", "—"))
        stopped = {role: spent["stopped"] for role, spent in figures["roles"].items()}
        rows.append(shutdown_row(name, stopped))
        for role, spent in figures["per_role"].items():
            rows.append(
                (
                    f"{name}: {role}",
                    usage(spent["window_cpu_s"], window, spent["peak_rss_mb"]),
                    "—",
                    "—",
                )
            )
    return rows, runs


def _embedded(sizes: Sizes) -> tuple[list[Row], dict[str, Any]]:
    rows: list[Row] = []
    monitors, interval = sizes.embedded
    name = f"embedded {monitors:,} @ {interval} s"
    figures = _guarded(
        name,
        rows,
        lambda: embedded.run(
            monitors, interval, sizes.embedded_window, warm_up=_warm_up(sizes, interval)
        ),
    )
    if figures is None:
        return rows, {}
    is_target = sizes is FULL
    rows += throughput_rows(name, figures, is_target=is_target)
    memory_ok = figures["peak_rss_mb"] < embedded.MEMORY_TARGET_MB
    rows.append(
        (
            f"{name}: the one process",
            usage(figures["window_cpu_s"], figures["window_s"], figures["peak_rss_mb"]),
            "< 500 MB" if is_target else "—",
            met(memory_ok if is_target else None),
        )
    )
    rows.append(shutdown_row(name, {"up": figures["stopped"]}))
    return rows, {name: figures}


def _api(sizes: Sizes) -> tuple[list[Row], dict[str, Any]]:
    rows: list[Row] = []
    name = f"API, {sizes.api_monitors:,} monitors + 90 d rollups (SQLite)"
    figures = _guarded(
        name,
        rows,
        lambda: api_latency.run(
            monitors=sizes.api_monitors,
            requests=sizes.api_requests,
            postgres=False,
            full_history=False,
        ),
    )
    if figures is None:
        return rows, {}
    is_target = sizes is FULL
    for key, label, target in (
        ("stats_90d", "stats 90d p50 / p99", api_latency.STATS_TARGET_MS),
        ("list_first_page", "monitor list p50 / p99", api_latency.LIST_TARGET_MS),
    ):
        timed = figures[key]
        rows.append(
            (
                f"{name}: {label}",
                f"{timed['p50_ms']:.1f} / {timed['p99_ms']:.1f} ms",
                f"p99 < {target:g} ms" if is_target else "—",
                met(timed["p99_ms"] < target if is_target else None),
            )
        )
    return rows, {name: figures}


def _ingest(sizes: Sizes) -> tuple[list[Row], dict[str, Any]]:
    """record_results on PostgreSQL: the bulk path against the generic one, same run."""
    rows: list[Row] = []
    name = f"ingest, {sizes.ingest_monitors:,} results a round (PostgreSQL)"
    figures = _guarded(name, rows, lambda: ingest.run(sizes.ingest_monitors))
    if figures is None:
        return rows, {}
    ratio = figures["ratio_bulk_to_generic"]
    is_target = sizes is FULL
    rows.append(
        (
            f"{name}: results/s, generic statements → bulk writes",
            f"{figures['generic_results_per_s']:,} → {figures['bulk_results_per_s']:,}",
            "—",
            "—",
        )
    )
    rows.append(
        (
            f"{name}: bulk ÷ generic (results/s; CPU a result)",
            f"{ratio:.2f}x; {figures['cpu_ratio_bulk_to_generic']:.2f}x less",
            f">= {ingest.GOAL:g}x" if is_target else "—",
            met(ratio >= ingest.GOAL if is_target else None),
        )
    )
    return rows, {name: figures}


def _pings(sizes: Sizes) -> tuple[list[Row], dict[str, Any]]:
    rows: list[Row] = []
    name = "heartbeat pings, one api process"
    figures = _guarded(
        name,
        rows,
        lambda: pings.run(
            monitors=100,
            seconds=sizes.ping_seconds,
            connections=64,
            clients=1,
            api_only=True,
        ),
    )
    if figures is None:
        return rows, {}
    is_target = sizes is FULL
    rows.append(
        (
            f"{name}: pings/s",
            f"{figures['pings_per_s']:,.0f} (p99 {figures['latency_p99_ms']:.0f} ms, "
            f"all stored: {'yes' if figures['all_stored'] else 'no'})",
            ">= 2,000" if is_target else "—",
            met(figures["pings_per_s"] >= 2000 if is_target else None),
        )
    )
    return rows, {name: figures}


def _probes(sizes: Sizes) -> tuple[list[Row], dict[str, Any]]:
    rows: list[Row] = []
    name = "worker vs blackbox exporter, 100 in flight"
    options = argparse.Namespace(
        concurrency=100,
        seconds=sizes.probe_seconds,
        warmup=3,
        urls=1000,
        timeout=10,
        target_processes=None,
        quiet_wait=15,
    )
    figures = _guarded(name, rows, lambda: probes.run(options))
    if figures is None:
        return rows, {}
    ours, theirs = figures["ours"], figures["exporter"]
    rows.append((f"{name}: ours, probes/s", f"{ours['probes_per_s']:,.0f}", "—", "—"))
    if "skipped" in theirs:
        rows.append((f"{name}: exporter", f"skipped: {theirs['skipped']}", ">= 1.2x", "—"))
    else:
        ratio = figures["ratio_ours_to_exporter"]
        rows.append((f"{name}: exporter, probes/s", f"{theirs['probes_per_s']:,.0f}", "—", "—"))
        is_target = sizes is FULL
        rows.append(
            (
                f"{name}: ratio ours / exporter",
                f"{ratio:.2f}x",
                ">= 1.2x" if is_target else "—",
                met(ratio >= 1.2 if is_target else None),
            )
        )
    return rows, {name: figures}


def _guarded(name: str, rows: list[Row], work: Callable[[], dict[str, Any]]) -> Any:
    """Run one part; if it fails, add a row saying how and return None."""
    print(f"suite: {name} ...", flush=True)
    started = time.monotonic()
    try:
        figures = work()
    except Exception as error:  # one part failing must not lose the others' figures
        traceback.print_exc()
        rows.append((name, f"failed: {type(error).__name__}: {error}"[:160], "—", "no"))
        return None
    figures["part_s"] = round(time.monotonic() - started, 1)
    print(f"suite: {name} done in {figures['part_s']:.0f} s", flush=True)
    return figures


def print_table(rows: list[Row]) -> None:
    headers: Row = ("figure", "value", "target", "met?")
    widths = [max(len(row[column]) for row in [headers, *rows]) for column in range(4)]
    line = "  ".join("-" * width for width in widths)
    for number, row in enumerate([headers, *rows]):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if number == 0:
            print(line)


def run(quick: bool) -> dict[str, Any]:
    sizes = QUICK if quick else FULL
    started = time.monotonic()
    machine = machine_info.describe()
    rows: list[Row] = []
    runs: dict[str, Any] = {}
    for part in (_distributed, _embedded, _api, _ingest, _pings, _probes):
        part_rows, part_runs = part(sizes)
        rows += part_rows
        runs.update(part_runs)
    machine["load_average_at_end"] = os.getloadavg()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if quick else "full",
        "machine": machine,
        "wall_s": round(time.monotonic() - started, 1),
        "table": [
            dict(zip(("figure", "value", "target", "met"), row, strict=True)) for row in rows
        ],
        "runs": runs,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench suite")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--json", type=Path, default=Path("bench-suite.json"))
    args = parser.parse_args(argv)
    figures = run(args.quick)
    machine = figures["machine"]
    print()
    print(
        f"{figures['date']}, {figures['mode']} run, {machine['cores']} cores ({machine['cpu']}), "
        f"{machine['memory_gb']} GB; load average at start "
        f"{machine['load_average_at_start'][0]:.1f}, at end "
        f"{machine['load_average_at_end'][0]:.1f}; wall time {figures['wall_s'] / 60:.1f} min"
    )
    print_table([(r["figure"], r["value"], r["target"], r["met"]) for r in figures["table"]])
    write_json(args.json, figures)
