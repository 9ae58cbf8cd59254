"""`python -m bench browser`: browser checks per minute one worker sustains, and its memory.

    python -m bench browser [--pages 1,2,4] [--seconds 60] [--chromium /usr/bin/chromium]

For each number of pages: one worker as `betteruptime worker --browser` runs it (the
Worker, the in-process broker, the Chromium BrowserProbe with that many pages at once)
in this process, fed browser jobs so that it is never idle. Each check is the journey of
the README's example on a local shop page served by another process (open the page,
click "Buy now", expect the thanks, expect the URL /done). After a warm-up (Chromium
started, the first checks done) it counts the checks finished in the window, per minute,
with their duration, and samples the memory of the worker and every process it started
(Playwright's driver, Chromium's browser, GPU, network, renderer processes) each second:
RSS summed (which counts memory shared between Chromium's processes once per process)
and PSS summed (shared pages split between their users: the honest total). Prints the
figures with the CPU model and load, and writes them to bench-browser.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import print_figures, write_json
from bench.roles import cpu_seconds
from betteruptime.domain.addresses import TargetPolicy
from betteruptime.domain.messages import CheckJob, CheckResult, ProbeSpec
from betteruptime.probes.browser import BrowserProbe
from betteruptime.probes.registry import Probes
from betteruptime.runtime.loop import run as run_loop
from betteruptime.transport.memory import MemoryBroker
from betteruptime.transport.queues import JobQueue, ResultQueue
from betteruptime.worker.service import Worker

STEPS = [
    {"action": "click", "selector": "#buy"},
    {"action": "expect_text", "selector": "#message", "text": "Thank you"},
    {"action": "expect_url", "pattern": "/done"},
]
# The page a user's shop might have, in small: styles, a heading, a price, a button.
PAGE = """<!doctype html><html><head><title>Shop</title><style>
body { font-family: sans-serif; margin: 2rem; } button { padding: .5rem 1rem; }
</style></head><body><h1>Shop</h1><p>Total: 42.00</p>
<button id="buy">Buy now</button><p id="message"></p>
<script>document.getElementById("buy").addEventListener("click", () => {
  document.getElementById("message").textContent = "Thank you for your order";
  history.pushState({}, "", "/done");
});</script></body></html>"""
TARGET = f"""
import sys
from aiohttp import web
PAGE = {PAGE!r}
async def page(_):
    return web.Response(text=PAGE, content_type="text/html")
app = web.Application()
app.router.add_get("/", page)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""
WARM_UP_CHECKS = 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    """Every descendant of `pid` (from /proc/*/stat's parent ids)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB; (0, 0) when it is gone."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0, 0
    values = {line.split(":")[0]: int(line.split()[1]) for line in rollup[1:] if ":" in line}
    return values.get("Rss", 0), values.get("Pss", 0)


def worker_memory(exclude: set[int]) -> dict[str, float]:
    """This process and what it started (less `exclude`): RSS and PSS summed, MiB."""
    pids = [os.getpid(), *(pid for pid in _children(os.getpid()) if pid not in exclude)]
    rss = pss = 0
    for pid in pids:
        one_rss, one_pss = _memory_kb(pid)
        rss, pss = rss + one_rss, pss + one_pss
    return {"processes": len(pids), "rss_mb": rss / 1024, "pss_mb": pss / 1024}


def _job(monitor_id: int, url: str) -> CheckJob:
    now = datetime.now(UTC)
    return CheckJob(
        spec=ProbeSpec(
            monitor_id=monitor_id, kind="browser", url=url, browser_steps=STEPS, timeout_seconds=20
        ),
        region="default",
        due_at=now,
        expires_at=now + timedelta(hours=1),
    )


async def measure(
    pages: int, seconds: float, chromium: str, url: str, target_pid: int
) -> dict[str, Any]:
    broker = MemoryBroker()
    browser = BrowserProbe(executable=chromium, policy=TargetPolicy())
    probes = Probes(TargetPolicy(), browser=browser)
    worker = Worker(
        jobs=JobQueue(broker),
        results=ResultQueue(broker),
        probes=probes,
        region="default",
        concurrency=500,
        browser_pages=pages,
    )
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    jobs, results = JobQueue(broker), await ResultQueue(broker).consumer(prefetch=100)
    # Twice as many jobs as pages in the queue: the worker always has the next one.
    await jobs.publish([_job(i, url) for i in range(pages * 2)])
    done: list[tuple[float, CheckResult]] = []
    samples: list[dict[str, float]] = []
    window: tuple[float, float] | None = None
    cpu_start = 0.0
    next_id = pages * 2

    async def sample() -> None:
        while True:
            samples.append(worker_memory({target_pid}))
            await asyncio.sleep(1)

    sampler: asyncio.Task[None] | None = None
    while window is None or time.monotonic() < window[1]:
        batch = await results.get()
        now = time.monotonic()
        for result in batch.items:
            done.append((now, result))
            await jobs.publish([_job(next_id, url)])
            next_id += 1
        await batch.ack()
        if window is None and len(done) >= WARM_UP_CHECKS:
            window = (now, now + seconds)
            cpu_start = _tree_cpu({target_pid})
            sampler = asyncio.create_task(sample())
    cpu = _tree_cpu({target_pid}) - cpu_start
    if sampler is not None:
        sampler.cancel()
    stop.set()
    await running
    await results.close()
    await probes.close()
    assert window is not None
    counted = [r for at, r in done if window[0] < at <= window[1]]
    failed = [r.error for r in counted if not r.up]
    durations = sorted(r.response_time_ms or 0.0 for r in counted if r.up)
    return {
        "pages": pages,
        "checks_per_minute": round(len(counted) * 60 / seconds, 1),
        "checks": len(counted),
        "failed": len(failed),
        "first_failure": failed[0] if failed else None,
        "check_ms_p50": _at(durations, 0.5),
        "check_ms_p95": _at(durations, 0.95),
        "worker_cpu_cores": round(cpu / seconds, 2),
        "memory_peak_rss_mb": round(max(s["rss_mb"] for s in samples), 1),
        "memory_peak_pss_mb": round(max(s["pss_mb"] for s in samples), 1),
        "memory_mean_pss_mb": round(sum(s["pss_mb"] for s in samples) / len(samples), 1),
        "processes": max(int(s["processes"]) for s in samples),
    }


def _tree_cpu(exclude: set[int]) -> float:
    total = 0.0
    for pid in [os.getpid(), *_children(os.getpid())]:
        if pid in exclude:
            continue
        try:
            total += cpu_seconds(pid)
        except OSError:
            continue
    return total


def _at(ordered: list[float], fraction: float) -> float | None:
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * fraction))], 1)


def cpu_model() -> str:
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


async def run(args: argparse.Namespace, url: str, target_pid: int) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "load_average_at_start": os.getloadavg()[0],
        "chromium": args.chromium,
    }
    for pages in args.pages:
        figures[f"{pages} pages"] = await measure(
            pages, args.seconds, args.chromium, url, target_pid
        )
    figures["load_average_at_end"] = os.getloadavg()[0]
    return figures


def _wait_listening(port: int, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench browser", description=__doc__)
    parser.add_argument("--pages", default="1,2,4", help="pages at once, comma-separated")
    parser.add_argument("--seconds", type=float, default=60.0, help="the measured window")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--json", type=Path, default=Path("bench-browser.json"))
    args = parser.parse_args(argv)
    args.pages = [int(value) for value in args.pages.split(",")]
    port = _free_port()
    target = subprocess.Popen([sys.executable, "-c", TARGET, str(port)])
    try:
        _wait_listening(port)
        figures = run_loop(run(args, f"http://127.0.0.1:{port}/", target.pid))
    finally:
        target.terminate()
        target.wait(timeout=10)
    print_figures(figures)
    write_json(args.json, figures)
