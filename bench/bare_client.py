"""The reference a check's cost is measured against: the least a Python client can spend
on one HTTP check, measured in the same run as the pipeline.

    python -m bench bare_client [--url http://127.0.0.1:P] [--seconds 5] [--concurrency 64]

One process (so at most one core), asyncio on uvloop, a bare protocol: a fresh TCP
connection per request (as a check makes), `GET /m/<n> HTTP/1.1` with `Connection:
close`, the answer read to EOF and its status line checked. No parser beyond that, no
timings, no TLS. With no --url it serves the same loopback target farm the pipeline
uses (bench/farm.py: nginx when installed). Prints CPU µs per request: the process's
own CPU (user + system, all its threads) over the window divided by the requests answered 200 in it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import machine
from bench.common import print_figures, write_json

DEFAULT_SECONDS = 5.0
DEFAULT_CONCURRENCY = 64


class _Request(asyncio.Protocol):
    def __init__(self, request: bytes, done: asyncio.Future[bool]) -> None:
        self._request = request
        self._done = done
        self._head = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.write(self._request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        if len(self._head) < 12:
            self._head += data[:12]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._done.done():
            self._done.set_result(exc is None and self._head.startswith(b"HTTP/1.1 200"))


async def _drive(url: str, seconds: float, concurrency: int, warm_up: float) -> dict[str, Any]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    loop = asyncio.get_running_loop()
    counter = iter(range(1 << 62))
    window: dict[str, float] = {}
    ok = failed = 0
    stop = False

    async def one() -> bool:
        request = (
            f"GET /m/{next(counter) % 100_000} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        done: asyncio.Future[bool] = loop.create_future()
        try:
            await loop.create_connection(lambda: _Request(request, done), host, port)
        except OSError:
            return False
        return await done

    async def worker() -> None:
        nonlocal ok, failed
        while not stop:
            answered = await one()
            if "start" in window and not stop:
                ok, failed = (ok + 1, failed) if answered else (ok, failed + 1)

    tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
    await asyncio.sleep(warm_up)
    window["start"], cpu_before = time.monotonic(), time.process_time()
    await asyncio.sleep(seconds)
    stop = True
    elapsed, cpu = time.monotonic() - window["start"], time.process_time() - cpu_before
    await asyncio.gather(*tasks)
    return {
        "requests": ok,
        "failed": failed,
        "window_s": elapsed,
        "requests_per_s": ok / elapsed,
        "cpu_s": cpu,
        "cores": cpu / elapsed,
        "cpu_us_per_request": 1e6 * cpu / max(ok, 1),
    }


def measure(
    url: str,
    *,
    seconds: float = DEFAULT_SECONDS,
    concurrency: int = DEFAULT_CONCURRENCY,
    warm_up: float = 1.0,
) -> dict[str, Any]:
    """Run the bare client in a process of its own against `url`; its figures."""
    command = [
        *(sys.executable, "-m", "bench.bare_client", "--child", "--url", url),
        *("--seconds", str(seconds), "--concurrency", str(concurrency)),
        *("--warm-up", str(warm_up)),
    ]
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(command, capture_output=True, check=True, cwd=root, text=True)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if not figures["requests"]:
        raise RuntimeError(f"the bare client got no answer from {url}")
    return figures


def _child(args: argparse.Namespace) -> None:
    from betteruptime.runtime.loop import run as run_loop

    figures = run_loop(_drive(args.url, args.seconds, args.concurrency, args.warm_up))
    print(json.dumps(figures))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench bare_client")
    parser.add_argument("--url", help="the target (default: a farm started here)")
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--warm-up", type=float, default=1.0)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, default=Path("bench-bare-client.json"))
    args = parser.parse_args(argv)
    if args.child:
        _child(args)
        return
    options = {"seconds": args.seconds, "concurrency": args.concurrency, "warm_up": args.warm_up}
    if args.url:
        figures = measure(args.url, **options)
    else:
        from bench.farm import Farm

        with Farm() as farm:
            figures = {"target": farm.kind, **measure(farm.base_url, **options)}
    print(machine.headline(machine.describe()))
    print_figures(figures)
    write_json(args.json, figures)


if __name__ == "__main__":
    main(sys.argv[1:])
