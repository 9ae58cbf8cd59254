"""Talking to a running BetterUptime over its HTTP API, as a user would."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from testkit.processes import BetterUptimeProcess
from testkit.waiting import eventually, free_port


async def wait_healthy(process: BetterUptimeProcess, base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as client:

        async def healthy() -> bool:
            if not process.running():
                raise AssertionError(f"{process.name} exited early:\n{process.log()}")
            try:
                return (await client.get("/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(healthy, within=30, what=f"{base}/healthz")


@contextlib.asynccontextmanager
async def signed_in_client(base: str) -> AsyncIterator[httpx.AsyncClient]:
    """An API client for a new account, holding its bearer token."""
    async with httpx.AsyncClient(base_url=base + "/api/v1", timeout=10) as api:
        credentials = {"email": "ops@example.com", "password": "correct horse"}
        signup = await api.post("/auth/signup", json=credentials)
        assert signup.status_code == 201, signup.text
        login = await api.post("/auth/token", json=credentials)
        api.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        yield api


def status_reader(api: httpx.AsyncClient, monitor_id: int) -> Callable[[str], Awaitable[bool]]:
    async def has_status(wanted: str) -> bool:
        return bool((await api.get(f"/monitors/{monitor_id}")).json()["status"] == wanted)

    return has_status


async def create_fast_monitor(api: httpx.AsyncClient, url: str, **fields: object) -> int:
    """A monitor checked every second, down after 2 failures, up after 2 successes."""
    body = {
        "name": "local target",
        "url": url,
        "interval_seconds": 1,
        "timeout_seconds": 0.5,
        "failure_threshold": 2,
        "recovery_threshold": 2,
        **fields,
    }
    created = await api.post("/monitors", json=body)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


@asynccontextmanager
async def embedded_product(
    folder: Path, **env: str
) -> AsyncIterator[tuple[BetterUptimeProcess, str]]:
    """`betteruptime up` on a free port with its own SQLite file in `folder` and checks
    allowed every second; yields the process and its base URL, and kills it after."""
    port = free_port()
    settings = {
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{folder / 'betteruptime.db'}",
        "BETTERUPTIME_MIN_INTERVAL": "1",
        **env,
    }
    process = BetterUptimeProcess(["up"], folder=folder, env=settings, name="up")
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(process, base)
        yield process, base
    finally:
        process.kill()
