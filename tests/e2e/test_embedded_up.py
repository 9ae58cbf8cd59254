"""`betteruptime up` as a user runs it: a subprocess, a real port, a real target going down."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Target:
    """A local HTTP server the test can take down and bring back on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.hits = 0
        self._runner: web.AppRunner | None = None

    async def _ok(self, request: web.Request) -> web.Response:
        self.hits += 1
        return web.Response(text="all good")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/", self._ok)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class Product:
    """A running `betteruptime up`, with its log kept for the assertions."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.log_path = folder / "betteruptime.log"
        env = {
            **os.environ,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "DATABASE_URL": f"sqlite:///{folder / 'betteruptime.db'}",
            "BETTERUPTIME_MIN_INTERVAL": "1",
        }
        env.pop("RABBITMQ_URL", None)
        env.pop("REDIS_URL", None)
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "betteruptime", "up"],
            cwd=folder,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self, timeout: float = 30) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()


async def eventually(
    probe: Callable[[], Awaitable[Any]], *, within: float, what: str, every: float = 0.2
) -> Any:
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"timed out after {within} s waiting for {what}; last saw {last!r}")


@pytest.fixture
async def target() -> AsyncIterator[Target]:
    server = Target()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def product(tmp_path: Path) -> AsyncIterator[Product]:
    running = Product(tmp_path)
    try:
        async with httpx.AsyncClient(base_url=running.base) as client:

            async def healthy() -> bool:
                if running.process.poll() is not None:
                    raise AssertionError(f"betteruptime up exited early:\n{running.log()}")
                try:
                    return (await client.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(healthy, within=30, what="/healthz")
        yield running
    finally:
        running.kill()


async def test_an_outage_is_detected_opened_and_resolved_end_to_end(
    product: Product, target: Target
) -> None:
    async with httpx.AsyncClient(base_url=product.base + "/api/v1", timeout=10) as api:
        signup = await api.post(
            "/auth/signup", json={"email": "ops@example.com", "password": "correct horse"}
        )
        assert signup.status_code == 201, signup.text
        login = await api.post(
            "/auth/token", json={"email": "ops@example.com", "password": "correct horse"}
        )
        api.headers["Authorization"] = f"Bearer {login.json()['access_token']}"

        created = await api.post(
            "/monitors",
            json={
                "name": "local target",
                "kind": "http",
                "url": f"http://127.0.0.1:{target.port}/",
                "interval_seconds": 1,
                "timeout_seconds": 0.5,
                "failure_threshold": 2,
                "recovery_threshold": 2,
            },
        )
        assert created.status_code == 201, created.text
        monitor_id = created.json()["id"]

        async def status() -> str:
            return str((await api.get(f"/monitors/{monitor_id}")).json()["status"])

        await eventually(lambda: _is(status, "up"), within=15, what="monitor up")

        await target.stop()
        await eventually(lambda: _is(status, "down"), within=15, what="monitor down")
        incidents = (await api.get("/incidents", params={"monitor_id": monitor_id})).json()
        assert [i["status"] for i in incidents] == ["open"]
        assert "refused" in incidents[0]["cause"]

        await target.start()
        await eventually(lambda: _is(status, "up"), within=15, what="monitor back up")
        incident = (await api.get(f"/incidents/{incidents[0]['id']}")).json()
        assert incident["status"] == "resolved"
        assert incident["resolved_at"] > incident["started_at"]

        checks = (await api.get(f"/monitors/{monitor_id}/checks", params={"limit": 1000})).json()
        assert any(not c["up"] for c in checks) and any(c["up"] for c in checks)
        assert [c["due_at"] for c in checks] == sorted((c["due_at"] for c in checks), reverse=True)
        up_check = next(c for c in checks if c["up"])
        assert up_check["status_code"] == 200
        assert up_check["timings"]["connect_ms"] is not None

        stats = (await api.get(f"/monitors/{monitor_id}/stats", params={"window": "24h"})).json()
        assert 0 < stats["uptime_percent"] < 100
        assert stats["checks"] >= len(checks) > 0
        assert stats["failures"] > 0

    assert product.stop() == 0
    # Every result a worker produced was stored before the process exited.
    summary = re.search(r"component=up event=stopped .*checked=(\d+) stored=(\d+)", product.log())
    assert summary, product.log()
    assert summary.group(1) == summary.group(2)


async def _is(read: Callable[[], Awaitable[str]], wanted: str) -> bool:
    return await read() == wanted
