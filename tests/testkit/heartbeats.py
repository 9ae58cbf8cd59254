"""A cron job's side of a heartbeat monitor, and what the API then says of it.

Waits follow the product's promises (README § Heartbeats):

- a ping URL works at once after the monitor is created, in every api process: pings
  are sent once, never retried until accepted;
- a ping's check and the status it leads to are written in one transaction, so once the
  check is listed the status is asserted at once;
- a silent heartbeat's missed run is due exactly `period` after its last ping, and
  published between `grace` and `grace` + MISSED_REPORTED_WITHIN_SECONDS after that:
  asserted on the stored timestamps, which no busy machine can blur.

How long a result takes to cross queues and processes is not promised (a shared, busy
machine can stall any process); STUCK_AFTER_SECONDS only says when to stop waiting for
it and call it stuck. It is never a timing assertion.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from betteruptime.scheduler.heartbeats import MISSED_REPORTED_WITHIN_SECONDS
from testkit.waiting import eventually

STUCK_AFTER_SECONDS = 60.0


class HeartbeatJob:
    def __init__(self, api: httpx.AsyncClient, job: httpx.AsyncClient, monitor: dict[str, Any]):
        self.api = api
        self.job = job
        self.id: int = monitor["id"]
        self.url: str = monitor["ping_url"]
        self.period = timedelta(seconds=monitor["period_seconds"])
        self.grace = timedelta(seconds=monitor["grace_seconds"])

    async def ping(self, suffix: str = "", method: str = "GET", **kwargs: Any) -> httpx.Response:
        """One ping, as cron sends it; it must be accepted ("OK") the first time."""
        response = await self.job.request(method, self.url + suffix, **kwargs)
        assert response.status_code == 200, response.text
        if method != "HEAD":
            assert response.text == "OK", response.text
        return response

    async def status(self) -> str:
        return str((await self.api.get(f"/monitors/{self.id}")).json()["status"])

    async def checks(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = (
            await self.api.get(f"/monitors/{self.id}/checks", params={"limit": 100})
        ).json()
        return listed

    async def stored(self, *, due_after: datetime) -> dict[str, Any]:
        """The newest check due after `due_after`, once the ingester has stored it."""

        async def newest() -> dict[str, Any] | None:
            fresh = [c for c in await self.checks() if _time(c["due_at"]) > due_after]
            return fresh[0] if fresh else None

        found: dict[str, Any] = await eventually(
            newest, within=STUCK_AFTER_SECONDS, what="the check stored"
        )
        return found

    async def pinged(self, suffix: str = "", **kwargs: Any) -> dict[str, Any]:
        """Ping, then the check it became (its status asserted by the caller)."""
        before = datetime.now().astimezone() - timedelta(microseconds=1)
        await self.ping(suffix, **kwargs)
        return await self.stored(due_after=before)

    async def missed_after(self, last_ping: dict[str, Any]) -> dict[str, Any]:
        """Stay silent after `last_ping` until the monitor is down; the missed run's check,
        its timing checked against the promise."""

        async def down() -> bool:
            return await self.status() == "down"

        await eventually(
            down,
            within=(self.period + self.grace).total_seconds() + STUCK_AFTER_SECONDS,
            what="down after silence",
        )
        missed = await self.stored(due_after=_time(last_ping["due_at"]))
        assert not missed["up"], missed
        assert _time(missed["due_at"]) == _time(last_ping["checked_at"]) + self.period
        late_by = _time(missed["checked_at"]) - _time(missed["due_at"])
        promised = self.grace + timedelta(seconds=MISSED_REPORTED_WITHIN_SECONDS)
        assert self.grace <= late_by <= promised, (late_by, missed)
        return missed


def _time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
