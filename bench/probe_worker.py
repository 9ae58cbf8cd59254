"""One side of `python -m bench probes`, in a process of its own; prints its figures as JSON.

    python -m bench.probe_worker ours --urls-file F --concurrency N --seconds T
    python -m bench.probe_worker exporter --exporter http://127.0.0.1:P --exporter-pid PID ...

`ours` runs BetterUptime's worker code path alone: the Probes registry (HTTP probe,
aiohttp, fresh connection per check, uvloop) on CheckJobs for the URLs, exactly N checks
in flight. No driver: this process is the prober. `exporter` is the driver of the
blackbox exporter: N keep-alive requests to its /probe endpoint in flight, each answered
by one probe; the exporter process is the prober and this one's CPU is reported as the
driver's. Both count what finishes inside the same window after a short warm-up, and
sample the CPU of the prober and the driver at the window's edges, printing each edge
so the parent samples the target farm's CPU then too; the figures come last, as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from yarl import URL

from bench.roles import cpu_seconds, peak_rss_mb
from betteruptime.domain.addresses import TargetPolicy
from betteruptime.domain.messages import CheckJob, ProbeSpec
from betteruptime.probes.registry import Probes
from betteruptime.runtime.loop import run as run_loop

# One probe: (succeeded, the probe's own duration in s, the driver's round trip in s).
Attempt = Callable[[int], Awaitable[tuple[bool, float, float]]]


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent not idle since boot (/proc/stat), to show other load."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _cpu_snapshot(prober: int, driver: int | None) -> dict[str, float]:
    return {
        "prober": cpu_seconds(prober),
        "driver": cpu_seconds(driver) if driver is not None else 0.0,
        "machine": machine_busy_seconds(),
    }


def _edge(name: str) -> None:
    """Tell the parent (which samples the target farm's CPU) a window edge is now."""
    print(name, flush=True)


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def drive(
    attempt: Attempt,
    *,
    concurrency: int,
    warmup: float,
    seconds: float,
    prober: int,
    driver: int | None,
) -> dict[str, Any]:
    """Keep exactly `concurrency` attempts in flight; measure the ones that end in the
    window [warm-up, warm-up + seconds)."""
    ok = failed = 0
    probe_latencies: list[float] = []
    round_trips: list[float] = []
    window: dict[str, float] = {}
    stop = asyncio.Event()
    counter = iter(range(1 << 62))

    async def loop() -> None:
        nonlocal ok, failed
        while not stop.is_set():
            success, probe_s, round_trip_s = await attempt(next(counter))
            if "start" in window and not stop.is_set():
                if success:
                    ok += 1
                    probe_latencies.append(probe_s)
                    round_trips.append(round_trip_s)
                else:
                    failed += 1

    async def clock() -> dict[str, float]:
        await asyncio.sleep(warmup)
        _edge("window start")
        before = _cpu_snapshot(prober, driver)
        window["start"] = time.monotonic()
        await asyncio.sleep(seconds)
        stop.set()
        elapsed = time.monotonic() - window["start"]
        after = _cpu_snapshot(prober, driver)
        _edge("window end")
        spent = {key: after[key] - before[key] for key in before}
        return {**spent, "elapsed": elapsed}

    loops = [asyncio.create_task(loop()) for _ in range(concurrency)]
    spent = await clock()
    await asyncio.gather(*loops)  # in-flight attempts finish; they end after the window
    elapsed = spent["elapsed"]
    return {
        "ok": ok,
        "failed": failed,
        "window_s": elapsed,
        "probes_per_s": ok / elapsed,
        "p50_ms": _percentile(probe_latencies, 0.50) * 1000,
        "p99_ms": _percentile(probe_latencies, 0.99) * 1000,
        "round_trip_p50_ms": _percentile(round_trips, 0.50) * 1000,
        "round_trip_p99_ms": _percentile(round_trips, 0.99) * 1000,
        "prober_cpu_s": spent["prober"],
        "driver_cpu_s": spent["driver"],
        "machine_busy_s": spent["machine"],
        "prober_peak_rss_mb": peak_rss_mb(prober),
    }


def _jobs(urls: list[str], timeout: float) -> list[CheckJob]:
    now = datetime.now(UTC)
    return [
        CheckJob(
            spec=ProbeSpec(monitor_id=number, kind="http", url=url, timeout_seconds=timeout),
            region="default",
            due_at=now,
            expires_at=now + timedelta(days=1),
        )
        for number, url in enumerate(urls)
    ]


async def run_ours(args: argparse.Namespace, urls: list[str]) -> dict[str, Any]:
    # What a worker runs per job (Worker._run_job → Probes.check), without the queues;
    # the default settings' target policy (loopback allowed).
    probes = Probes(TargetPolicy())
    jobs = _jobs(urls, args.timeout)

    async def attempt(index: int) -> tuple[bool, float, float]:
        started = time.perf_counter()
        result = await probes.check(jobs[index % len(jobs)])
        took = time.perf_counter() - started
        return result.up, took, took

    try:
        return await drive(
            attempt,
            concurrency=args.concurrency,
            warmup=args.warmup,
            seconds=args.seconds,
            prober=os.getpid(),
            driver=None,
        )
    finally:
        await probes.close()


def parse_probe(text: bytes) -> tuple[bool, float]:
    """probe_success and probe_duration_seconds from the exporter's metrics text."""
    success, duration = False, 0.0
    for line in text.splitlines():
        if line.startswith(b"probe_success "):
            success = float(line.split()[1]) == 1.0
        elif line.startswith(b"probe_duration_seconds "):
            duration = float(line.split()[1])
    return success, duration


async def run_exporter(args: argparse.Namespace, urls: list[str]) -> dict[str, Any]:
    base = URL(args.exporter) / "probe"
    # Built once, like our jobs, so the driver spends its CPU on requests, not URL parsing.
    requests = [base.with_query(target=url, module="http_2xx") for url in urls]
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    # Above the module's timeout, so the exporter's own timeout is what fails a probe.
    timeout = aiohttp.ClientTimeout(total=args.timeout + 5)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def attempt(index: int) -> tuple[bool, float, float]:
            started = time.perf_counter()
            try:
                async with session.get(requests[index % len(requests)]) as response:
                    body = await response.read()
            except (aiohttp.ClientError, TimeoutError):
                return False, 0.0, time.perf_counter() - started
            took = time.perf_counter() - started
            success, duration = parse_probe(body) if response.status == 200 else (False, 0.0)
            return success, duration, took

        return await drive(
            attempt,
            concurrency=args.concurrency,
            warmup=args.warmup,
            seconds=args.seconds,
            prober=args.exporter_pid,
            driver=os.getpid(),
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.probe_worker")
    parser.add_argument("side", choices=["ours", "exporter"])
    parser.add_argument("--urls-file", type=Path, required=True, help="one URL a line")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--exporter", help="the exporter's base URL")
    parser.add_argument("--exporter-pid", type=int)
    args = parser.parse_args()
    urls = args.urls_file.read_text().split()
    side = run_ours if args.side == "ours" else run_exporter
    print(json.dumps(run_loop(side(args, urls))))


if __name__ == "__main__":
    main()
