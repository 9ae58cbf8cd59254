"""A loopback HTTP target for benchmarks: N processes sharing a port with SO_REUSEPORT,
so the target is not what limits the numbers."""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket

from aiohttp import web


async def _ok(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def _serve(port: int) -> None:
    async def main() -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", _ok)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port, reuse_port=True, backlog=4096).start()
        await asyncio.Event().wait()

    asyncio.run(main())


def start(port: int, processes: int) -> list[multiprocessing.Process]:
    workers = [
        multiprocessing.Process(target=_serve, args=(port,), daemon=True) for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    return workers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    for process in start(args.port, args.processes):
        process.join()
