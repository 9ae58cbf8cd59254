"""HTTP probe throughput: BetterUptime's worker alone against Prometheus' blackbox exporter.

    python -m bench probes --concurrency 100 --seconds 20

Same loopback target farm (bench/target.py), same URLs (distinct paths), same number of
probes in flight, one side after the other on this machine:

- ours: `python -m bench.probe_worker ours`, the worker's probe path (Probes registry,
  HTTP probe on aiohttp + uvloop, fresh connection per check) in a process of its own;
- theirs: the Debian package's /usr/bin/prometheus-blackbox-exporter, started here on a
  free loopback port with its own config (http_2xx, same timeout), driven at
  /probe?target=<url>&module=http_2xx by `python -m bench.probe_worker exporter` (aiohttp,
  keep-alive to the exporter). The exporter opens a new connection to the target for every
  probe, like ours; its module config has no keep-alive setting to turn off.

Reports successful probes/s, probe latency p50/p99 (ours: one check() call; theirs: the
exporter's probe_duration_seconds, plus the driver's round trip), CPU seconds of the
prober and of the driver (ours has none), peak RSS of the prober, the target farm's CPU
(to show whether it limited either side) and the ratio ours/theirs. Writes the figures
to --json. Installs nothing: without the exporter binary its row says skipped, and why.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.farm import Farm
from bench.probe_worker import machine_busy_seconds
from bench.target import free_port

EXPORTER = "/usr/bin/prometheus-blackbox-exporter"
TARGET_BUSY = 0.85  # a target process this busy (share of a core) may be the limit
MACHINE_BUSY = 0.95
QUIET = 0.15  # cores busy that count as an idle machine before a side starts
OTHER_LOAD = 0.25  # cores used by processes outside the bench worth a warning

CONFIG = """\
modules:
  http_2xx:
    prober: http
    timeout: {timeout}s
    http:
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
"""


def _side(
    side: str, urls_file: Path, farm: Farm, args: argparse.Namespace, *extra: str
) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "bench.probe_worker",
        side,
        f"--urls-file={urls_file}",
        f"--concurrency={args.concurrency}",
        f"--seconds={args.seconds}",
        f"--warmup={args.warmup}",
        f"--timeout={args.timeout}",
        *extra,
    ]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    target: dict[str, float] = {}
    # The child prints each window edge as it passes it, then its figures.
    for line in child.stdout:
        if line.startswith("window "):
            target[line.split()[1]] = farm.cpu_seconds()
        elif line.startswith("{"):
            figures: dict[str, Any] = json.loads(line)
    _, errors = child.communicate(timeout=args.seconds + args.warmup + 120)
    if child.returncode != 0:
        raise RuntimeError(f"{side} side failed:\n{errors[-2000:]}")
    figures["target_cpu_s"] = target["end"] - target["start"]
    return figures


def _wait_quiet(within: float) -> float:
    """Wait (up to `within` s) until other processes leave the cores nearly idle, so
    neither side runs beside someone's test suite; return the cores they last used."""
    deadline = time.monotonic() + within
    while True:
        before = machine_busy_seconds()
        time.sleep(1)
        busy = machine_busy_seconds() - before
        if busy < QUIET or time.monotonic() >= deadline:
            return busy


def _wait_ready(url: str, process: subprocess.Popen[bytes], within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the exporter exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"the exporter did not answer {url}")


def _exporter_side(
    urls_file: Path, farm: Farm, folder: Path, args: argparse.Namespace
) -> dict[str, Any]:
    if not Path(EXPORTER).exists():
        return {
            "skipped": f"{EXPORTER} not found (Debian: apt-get install "
            "prometheus-blackbox-exporter)"
        }
    config = folder / "blackbox.yml"
    config.write_text(CONFIG.format(timeout=f"{args.timeout:g}"))
    port = free_port()
    log = (folder / "exporter.log").open("wb")
    exporter = subprocess.Popen(
        [
            EXPORTER,
            f"--config.file={config}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(f"{base}/-/healthy", exporter, 15)
        return _side(
            "exporter",
            urls_file,
            farm,
            args,
            f"--exporter={base}",
            f"--exporter-pid={exporter.pid}",
        )
    finally:
        exporter.send_signal(signal.SIGTERM)
        exporter.wait(timeout=30)


def _version() -> str:
    if not Path(EXPORTER).exists():
        return "missing"
    done = subprocess.run([EXPORTER, "--version"], capture_output=True, text=True)
    return (done.stdout + done.stderr).splitlines()[0]


def _judge(side: dict[str, Any], args: argparse.Namespace) -> None:
    """Add what limited the run: the target farm, or all cores busy."""
    window = side["window_s"]
    side["target_busy"] = side["target_cpu_s"] / (window * args.target_processes)
    side["machine_busy"] = side["machine_busy_s"] / (window * (os.cpu_count() or 1))
    # CPU spent by processes that are not part of this side (the test suite, say).
    own = side["prober_cpu_s"] + side["driver_cpu_s"] + side["target_cpu_s"]
    side["other_cpu_s"] = max(0.0, side["machine_busy_s"] - own)
    side["prober_cpu_us_per_probe"] = 1e6 * side["prober_cpu_s"] / max(side["ok"], 1)
    side["target_cpu_us_per_request"] = 1e6 * side["target_cpu_s"] / max(side["ok"], 1)


def run(args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="bench-probes-"))
    urls_file = folder / "urls.txt"
    with Farm(args.target_processes) as farm:
        urls = [f"{farm.base_url}/probe-target/{i}" for i in range(args.urls)]
        urls_file.write_text("\n".join(urls))
        quiet = {"ours": _wait_quiet(args.quiet_wait)}
        sides = {"ours": _side("ours", urls_file, farm, args)}
        quiet["exporter"] = _wait_quiet(args.quiet_wait)
        sides["exporter"] = _exporter_side(urls_file, farm, folder, args)
        target_kind = farm.kind
        args.target_processes = farm.processes
    for name, side in sides.items():
        side["cores_busy_before"] = quiet[name]
        if "skipped" not in side:
            _judge(side, args)
    ours, theirs = sides["ours"], sides["exporter"]
    ratio = None if "skipped" in theirs else ours["probes_per_s"] / theirs["probes_per_s"]
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "urls": args.urls,
        "timeout_s": args.timeout,
        "target": target_kind,
        "target_processes": args.target_processes,
        "cores": os.cpu_count(),
        "exporter_version": _version(),
        "ours": ours,
        "exporter": theirs,
        "ratio_ours_to_exporter": ratio,
    }


def _print(figures: dict[str, Any]) -> None:
    print(
        f"{figures['concurrency']} probes in flight, {figures['seconds']:g} s, "
        f"{figures['urls']} URLs, {figures['cores']} cores; target {figures['target']}; "
        f"{figures['exporter_version']}"
    )
    header = (
        f"{'prober':<22}{'probes/s':>10}{'failed':>8}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'prober CPU s':>13}{'driver CPU s':>13}{'peak RSS MB':>12}"
        f"{'target CPU s':>13}{'other CPU s':>12}"
    )
    print(header)
    print("-" * len(header))
    for name, key in (("betteruptime worker", "ours"), ("blackbox exporter", "exporter")):
        side = figures[key]
        if "skipped" in side:
            print(f"{name:<22}skipped: {side['skipped']}")
            continue
        print(
            f"{name:<22}{side['probes_per_s']:>10,.0f}{side['failed']:>8}"
            f"{side['p50_ms']:>8.1f}{side['p99_ms']:>8.1f}{side['prober_cpu_s']:>13.1f}"
            f"{side['driver_cpu_s']:>13.1f}{side['prober_peak_rss_mb']:>12.0f}"
            f"{side['target_cpu_s']:>13.1f}{side['other_cpu_s']:>12.1f}"
        )
    ratio = figures["ratio_ours_to_exporter"]
    if ratio is not None:
        print(f"ours / exporter: {ratio:.2f}x probes/s (issue 7 asks for at least 1.2x)")
    for name, key in (("ours", "ours"), ("exporter", "exporter")):
        side = figures[key]
        if "skipped" in side:
            continue
        notes = [
            f"target farm {100 * side['target_busy']:.0f} % busy "
            f"({side['target_cpu_us_per_request']:.0f} us CPU a request)",
            f"cores {100 * side['machine_busy']:.0f} % busy",
        ]
        others = side["other_cpu_s"] / side["window_s"]
        if others >= OTHER_LOAD:
            notes.append(f"other processes took {others:.1f} cores: figures are low")
        if side["target_busy"] >= TARGET_BUSY:
            notes.append("the TARGET may be the limit")
        elif side["machine_busy"] >= MACHINE_BUSY:
            notes.append("all cores busy: the machine is the limit")
        print(f"{name}: " + "; ".join(notes))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench probes")
    parser.add_argument("--concurrency", type=int, default=100, help="probes in flight")
    parser.add_argument("--seconds", type=float, default=20, help="measured window")
    parser.add_argument("--warmup", type=float, default=3, help="not measured, before it")
    parser.add_argument("--urls", type=int, default=1000, help="distinct target paths")
    parser.add_argument("--timeout", type=float, default=10, help="probe timeout, s")
    parser.add_argument("--target-processes", type=int, help="default: one a core")
    parser.add_argument(
        "--quiet-wait", type=float, default=60, help="wait this long at most for idle cores"
    )
    parser.add_argument("--json", type=Path, default=Path("bench-probes.json"))
    args = parser.parse_args(argv)
    figures = run(args)
    _print(figures)
    args.json.write_text(json.dumps(figures, indent=2))
