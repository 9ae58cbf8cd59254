"""A bulk pause by tag against a running `betteruptime up`: exactly the tagged monitors
stop being checked (the scheduler learns it as for a single pause); the others go on;
a bulk resume by tag starts them again."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from e2e.conftest import Product
from testkit.api import create_fast_monitor, signed_in_client
from testkit.target import Target
from testkit.waiting import eventually

pytestmark = pytest.mark.e2e

SETTLE_SECONDS = 2.0  # a check already due when the pause commits may still land
WATCH_SECONDS = 4.0  # four intervals of 1 s


async def _counts(api: httpx.AsyncClient, ids: list[int]) -> dict[int, int]:
    counts = {}
    for monitor_id in ids:
        checks = await api.get(f"/monitors/{monitor_id}/checks", params={"limit": 1000})
        counts[monitor_id] = len(checks.json())
    return counts


async def test_a_bulk_pause_by_tag_stops_the_checks_of_exactly_the_tagged_monitors(
    product: Product, target: Target
) -> None:
    async with signed_in_client(product.base) as api:
        tagged = [
            await create_fast_monitor(api, target.url, name=f"batch {n}", tags=["batch"])
            for n in range(2)
        ]
        others = [await create_fast_monitor(api, target.url, name="other", tags=["keep"])]
        everyone = tagged + others

        async def all_checked() -> bool:
            return all(count >= 2 for count in (await _counts(api, everyone)).values())

        await eventually(all_checked, within=20, what="checks of every monitor")

        paused = await api.post("/monitors/bulk", json={"action": "pause", "tag": "batch"})
        assert paused.json() == {"matched": 2, "changed": 2, "ids": tagged}
        await asyncio.sleep(SETTLE_SECONDS)
        before = await _counts(api, everyone)
        await asyncio.sleep(WATCH_SECONDS)
        after = await _counts(api, everyone)

        assert [after[m] - before[m] for m in tagged] == [0, 0]
        assert after[others[0]] - before[others[0]] >= 2
        listed = await api.get("/monitors", params={"status": "paused"})
        assert [monitor["id"] for monitor in listed.json()] == tagged

        resumed = await api.post("/monitors/bulk", json={"action": "resume", "tag": "batch"})
        assert resumed.json()["changed"] == 2

        async def checked_again() -> bool:
            now = await _counts(api, tagged)
            return all(now[m] > after[m] for m in tagged)

        await eventually(checked_again, within=10, what="checks after the resume")
