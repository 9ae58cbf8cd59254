"""Alert latency: from a monitor's confirmed failure to the message arriving.

    python -m bench alerts --outages 20

Runs `betteruptime up` (embedded mode, SQLite) against a loopback target that the bench
takes down and brings back, with a webhook channel (Apprise `json://`) pointing at a
receiver in this process. For each outage it records when the down message arrived and
compares it with the incident's `confirmed_at` (when the ingester decided it was down),
and with `started_at` (the first failing check's due time), so the figures separate
detection (thresholds) from delivery (outbox, stream, notifier, Apprise, HTTP).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import tempfile
import time
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from bench.roles import start_role
from bench.target import free_port

PASSWORD = "bench password 123"


class Flip:
    """The monitored target (200 or 503) and the webhook receiver, on one local server."""

    def __init__(self) -> None:
        self.port = free_port()
        self.healthy = True
        self.messages: list[tuple[float, dict[str, Any]]] = []

    async def _target(self, request: web.Request) -> web.Response:
        return web.Response(status=200 if self.healthy else 503, text="bench target")

    async def _hook(self, request: web.Request) -> web.Response:
        self.messages.append((time.time(), await request.json()))
        return web.Response(text="ok")

    async def start(self) -> web.AppRunner:
        app = web.Application()
        app.router.add_get("/target", self._target)
        app.router.add_post("/hook", self._hook)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        return runner

    def downs(self) -> dict[int, float]:
        """Arrival time of each down message, by incident id."""
        found = {}
        for arrived, body in self.messages:
            match = re.search(r"Incident: #(\d+)", body.get("message", ""))
            if body.get("title", "").startswith("[DOWN]") and match:
                found[int(match.group(1))] = arrived
        return found


async def _wait(condition: Any, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"gave up waiting for {what}")


async def _api(base: str) -> httpx.AsyncClient:
    async with httpx.AsyncClient(base_url=base) as anonymous:
        await _wait(lambda: _healthy(anonymous), 30, "the api")
        login = {"email": "bench@example.com", "password": PASSWORD}
        await anonymous.post("/api/v1/auth/signup", json=login)
        token = (await anonymous.post("/api/v1/auth/token", json=login)).json()["access_token"]
    return httpx.AsyncClient(
        base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}
    )


async def _healthy(client: httpx.AsyncClient) -> bool:
    try:
        return (await client.get("/healthz")).status_code == 200
    except httpx.HTTPError:
        return False


async def _run_outages(base: str, flip: Flip, outages: int) -> list[dict[str, Any]]:
    api = await _api(base)
    async with api:
        channel = await api.post(
            "/channels", json={"name": "bench", "url": f"json://127.0.0.1:{flip.port}/hook"}
        )
        monitor = await api.post(
            "/monitors",
            json={
                "name": "bench target",
                "url": f"http://127.0.0.1:{flip.port}/target",
                "interval_seconds": 1,
                "timeout_seconds": 0.5,
                "failure_threshold": 2,
                "recovery_threshold": 2,
                "channel_ids": [channel.json()["id"]],
            },
        )
        monitor_id = monitor.json()["id"]

        async def status_is(wanted: str) -> bool:
            return bool((await api.get(f"/monitors/{monitor_id}")).json()["status"] == wanted)

        await _wait(lambda: status_is("up"), 30, "the monitor to come up")
        for number in range(1, outages + 1):
            flip.healthy = False
            await _wait(partial(_count, flip, 2 * number - 1), 30, f"down message {number}")
            flip.healthy = True
            await _wait(partial(_count, flip, 2 * number), 30, f"up message {number}")
        incidents = await api.get("/incidents", params={"monitor_id": monitor_id, "limit": 1000})
        return list(incidents.json())


async def _count(flip: Flip, expected: int) -> bool:
    return len(flip.messages) >= expected


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


async def _bench(outages: int) -> dict[str, Any]:
    flip = Flip()
    runner = await flip.start()
    folder = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("RABBITMQ_URL", "REDIS_URL")},
        "DATABASE_URL": f"sqlite:///{folder / 'betteruptime.db'}",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "BETTERUPTIME_MIN_INTERVAL": "1",
        "BETTERUPTIME_LOG_LEVEL": "WARNING",
        # Two messages per outage, an outage every few seconds: above the default limit
        # of 10 a minute, which would (correctly) hold messages back and skew the figures.
        "BETTERUPTIME_CHANNEL_RATE_LIMIT": "1000",
    }
    process = start_role(["up"], env, folder)
    try:
        incidents = await _run_outages(f"http://127.0.0.1:{port}", flip, outages)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        await runner.cleanup()
    arrivals = flip.downs()
    from_confirmed = [
        (arrivals[i["id"]] - _epoch(i["confirmed_at"])) * 1000
        for i in incidents
        if i["id"] in arrivals
    ]
    from_first_failure = [
        (arrivals[i["id"]] - _epoch(i["started_at"])) * 1000
        for i in incidents
        if i["id"] in arrivals
    ]
    downs = sum(1 for _, body in flip.messages if body["title"].startswith("[DOWN]"))
    ups = sum(1 for _, body in flip.messages if body["title"].startswith("[RECOVERED]"))
    return {
        "outages": outages,
        "incidents": len(incidents),
        "down_messages": downs,
        "up_messages": ups,
        "confirmed_to_message_p50_ms": statistics.median(from_confirmed),
        "confirmed_to_message_max_ms": max(from_confirmed),
        "first_failure_to_message_p50_ms": statistics.median(from_first_failure),
        "first_failure_to_message_max_ms": max(from_first_failure),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench alerts")
    parser.add_argument("--outages", type=int, default=20)
    parser.add_argument("--json", type=Path, default=Path("bench-alerts.json"))
    args = parser.parse_args(argv)
    figures = asyncio.run(_bench(args.outages))
    for key, value in figures.items():
        shown = f"{value:,.1f}" if isinstance(value, float) else str(value)
        print(f"{key:>32}  {shown}")
    args.json.write_text(json.dumps(figures, indent=2))
