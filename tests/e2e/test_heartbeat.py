"""A heartbeat monitor through `betteruptime up`, pinged as a cron job would: up while
the pings come, down (with an incident) when they stop, up on the next ping, down again
when the job reports a failure; and one written by `betteruptime apply` takes the ping
that follows it. Waits follow the product's promises (testkit/heartbeats.py)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys

import httpx
import pytest

from e2e.conftest import Product
from testkit.api import signed_in_client
from testkit.heartbeats import HeartbeatJob

pytestmark = pytest.mark.e2e
PERIOD, GRACE = 10, 1


async def test_a_heartbeat_is_up_while_pinged_down_when_silent_or_failing(
    product: Product,
) -> None:
    base, database = product.base, product.database
    async with signed_in_client(base) as api, httpx.AsyncClient(timeout=5) as client:
        body = {
            "name": "nightly backup",
            "kind": "heartbeat",
            "period_seconds": PERIOD,
            "grace_seconds": GRACE,
        }
        created = await api.post("/monitors", json=body)
        assert created.status_code == 201, created.text
        job = HeartbeatJob(api, client, created.json())

        # Its first ping, right after it was created, counts (HeartbeatJob.ping: "OK").
        await job.pinged()
        assert await job.status() == "up"
        head = await job.ping(method="HEAD")
        assert head.content == b""
        last = await job.pinged(method="POST", content=b"backup done: 42 files\n")

        # Silence: down once the run due `PERIOD` after the last ping is past its grace.
        missed = await job.missed_after(last)
        assert missed["error"].startswith(f"no ping within {PERIOD} s + {GRACE} s grace")
        [incident] = (await api.get("/incidents", params={"monitor_id": job.id})).json()
        assert incident["status"] == "open"
        assert incident["cause"] == missed["error"]

        await job.pinged()
        assert await job.status() == "up"
        resolved = (await api.get(f"/incidents/{incident['id']}")).json()
        assert resolved["status"] == "resolved"

        await job.pinged("/fail")
        assert await job.status() == "down"
        incidents = (await api.get("/incidents", params={"monitor_id": job.id})).json()
        assert sorted(i["cause"] for i in incidents if i["status"] == "open") == [
            "reported failure"
        ]
    with sqlite3.connect(database) as db:
        bodies = [row[0] for row in db.execute("SELECT body FROM checks WHERE body IS NOT NULL")]
    assert bodies == ["backup done: 42 files\n"]


async def test_a_heartbeat_applied_from_a_file_takes_the_ping_right_after(
    product: Product,
) -> None:
    """`betteruptime apply` writes the database itself, in its own process: the running
    api has not heard of the monitor when its job first pings."""
    base, database = product.base, product.database
    folder = database.parent
    (folder / "heartbeats.yaml").write_text(
        "monitors:\n  - {name: nightly, kind: heartbeat, period_seconds: 86400}\n"
    )
    async with signed_in_client(base) as api, httpx.AsyncClient(timeout=5) as client:
        applied = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "betteruptime", "apply", "heartbeats.yaml"],
            cwd=folder,
            env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert applied.returncode == 0, applied.stderr
        [monitor] = (await api.get("/monitors")).json()
        job = HeartbeatJob(api, client, monitor)

        await job.pinged()  # accepted the first time
        assert await job.status() == "up"
