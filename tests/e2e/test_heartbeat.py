"""A heartbeat monitor through `betteruptime up`, pinged as a cron job would: up while
the pings come, down (with an incident) when they stop, up on the next ping, down again
when the job reports a failure."""

from __future__ import annotations

import sqlite3
import time

import httpx
import pytest

from e2e.conftest import Product
from testkit.api import signed_in_client, status_reader
from testkit.waiting import eventually

pytestmark = pytest.mark.e2e
PERIOD, GRACE = 10, 1
BUDGET_SECONDS = 30


async def test_a_heartbeat_is_up_while_pinged_down_when_silent_or_failing(
    product: Product,
) -> None:
    started = time.monotonic()
    async with signed_in_client(product.base) as api, httpx.AsyncClient(timeout=5) as job:
        body = {
            "name": "nightly backup",
            "kind": "heartbeat",
            "period_seconds": PERIOD,
            "grace_seconds": GRACE,
        }
        created = await api.post("/monitors", json=body)
        assert created.status_code == 201, created.text
        monitor_id, ping_url = created.json()["id"], created.json()["ping_url"]
        has_status = status_reader(api, monitor_id)

        async def ping(suffix: str = "", method: str = "GET", **kwargs: object) -> bool:
            response = await job.request(method, ping_url + suffix, **kwargs)  # type: ignore[arg-type]
            return response.status_code == 200

        # The api learns the new token within about a second.
        await eventually(ping, within=5, what="the first ping accepted")
        await eventually(lambda: has_status("up"), within=5, what="up after the first ping")
        head = await job.head(ping_url)
        assert head.status_code == 200 and head.content == b""
        assert await ping(method="POST", content=b"backup done: 42 files\n")
        last_ping = time.monotonic()

        # Silence: down within period + grace (+ the scheduler's second, + ingest).
        await eventually(
            lambda: has_status("down"), within=PERIOD + GRACE + 3, what="down after silence"
        )
        assert time.monotonic() - last_ping <= PERIOD + GRACE + 2
        [incident] = (await api.get("/incidents", params={"monitor_id": monitor_id})).json()
        assert incident["status"] == "open"
        assert incident["cause"].startswith(f"no ping within {PERIOD} s + {GRACE} s grace")

        assert await ping()
        await eventually(lambda: has_status("up"), within=5, what="up after a ping")
        resolved = (await api.get(f"/incidents/{incident['id']}")).json()
        assert resolved["status"] == "resolved"

        assert await ping("/fail")
        await eventually(lambda: has_status("down"), within=5, what="down after /fail")
        incidents = (await api.get("/incidents", params={"monitor_id": monitor_id})).json()
        assert sorted(i["cause"] for i in incidents if i["status"] == "open") == [
            "reported failure"
        ]
    assert time.monotonic() - started < BUDGET_SECONDS
    with sqlite3.connect(product.database) as db:
        bodies = [row[0] for row in db.execute("SELECT body FROM checks WHERE body IS NOT NULL")]
    assert bodies == ["backup done: 42 files\n"]
