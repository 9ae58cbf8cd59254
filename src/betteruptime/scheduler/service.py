"""The scheduler role: keeps the plan in step with the database and publishes due jobs.

Changes are picked up by polling `monitors.updated_at` (every change sets it) twice a
second (db/changes.py `MonitorPoller`, which the api's ping tokens use too), so a
created, edited, paused or deleted monitor is in the plan within a second without any
coupling between the API and the scheduler processes.

Only the leader publishes (see leadership.py). Where standbys exist, the leader records
how far it has published *before* publishing, and a new leader starts after that point:
no due time is ever published twice.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, func, select, update

from betteruptime.db.changes import MonitorPoller
from betteruptime.db.models import Monitor, SchedulerCursor
from betteruptime.db.session import SessionFactory
from betteruptime.domain.messages import CheckJob
from betteruptime.lifecycle import sleep_or_stop
from betteruptime.logs import get_logger, kv
from betteruptime.retention.prune import apply_retention
from betteruptime.scheduler.heartbeats import HeartbeatClock
from betteruptime.scheduler.leadership import Leadership, SoleLeader
from betteruptime.scheduler.plan import DueCheck, SchedulePlan
from betteruptime.scheduler.snapshot import probe_spec
from betteruptime.transport.queues import JobQueue

log = get_logger("scheduler")

REFRESH_SECONDS = 0.5
# Due checks are gathered for at most this long before a publish: batches stay large and
# the cursor is written a few times a second, at a cost of this much lag at most.
TICK_SECONDS = 0.1
STANDBY_POLL_SECONDS = 1.0
MAINTENANCE_EVERY = timedelta(hours=1)
CURSOR = "default"


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def build_jobs(due: list[DueCheck]) -> list[CheckJob]:
    """One job per region per due time; a job expires at the monitor's next due time."""
    jobs = []
    for check in due:
        due_at = _at(check.due)
        expires_at = _at(check.due + check.interval_seconds)
        for region in check.regions:
            jobs.append(
                CheckJob(spec=check.spec, region=region, due_at=due_at, expires_at=expires_at)
            )
    return jobs


# The monitors the scheduler sends jobs for: active ones that are probed (a heartbeat is
# pinged by what it watches, never probed).
PROBED = (Monitor.paused.is_(False), Monitor.kind != "heartbeat")


class Scheduler:
    def __init__(
        self,
        *,
        sessions: SessionFactory,
        jobs: JobQueue,
        leadership: Leadership | None = None,
        retention_days: int = 30,
        clock: Callable[[], float] = time.time,
        refresh_seconds: float = REFRESH_SECONDS,
        heartbeats: HeartbeatClock | None = None,
    ) -> None:
        self._sessions = sessions
        self._jobs = jobs
        self._leadership = leadership or SoleLeader()
        self._retention_days = retention_days
        self._clock = clock
        self._refresh_seconds = refresh_seconds
        # Missed heartbeat pings become failures here, on the leader only.
        self._heartbeats = heartbeats
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.plan = SchedulePlan()
        self._changes = MonitorPoller(sessions, select(Monitor), scope=PROBED)
        self._start_after = 0.0
        self._unpublished: list[CheckJob] = []
        self._maintenance: asyncio.Task[None] | None = None
        self._next_maintenance = 0.0
        self.is_leader = False
        self.published = 0
        self.missed = 0

    # -- keeping the plan in step with the database ---------------------------------

    async def refresh(self) -> None:
        """Apply monitors changed since the last refresh, then drop deleted ones."""
        # Versions make the rows the poller reads twice cost nothing.
        await self._changes.poll(apply=self._apply_row, held=self.plan.ids, remove=self.plan.remove)
        # New monitors get their due times from when the load ended, not began: the first
        # load of 100,000 monitors takes seconds, and what fell due meanwhile would go out
        # late, in one burst, that the workers then take a minute to catch up on.
        self.plan.place(max(self._clock(), self._start_after))

    def _apply_row(self, row: Row[Any]) -> None:
        self._apply(row[0])

    def _apply(self, monitor: Monitor) -> None:
        if monitor.paused or monitor.kind == "heartbeat":
            self.plan.remove(monitor.id)
            return
        if self.plan.version(monitor.id) == monitor.updated_at:
            return
        self.plan.upsert(
            probe_spec(monitor),
            interval_seconds=monitor.interval_seconds,
            regions=tuple(monitor.regions or ["default"]),
            version=monitor.updated_at,
            now=None,
        )

    # -- publishing -------------------------------------------------------------------

    async def publish_due(self) -> int:
        """Publish every check due by now; returns how many jobs went out."""
        now = self._clock()
        due = self.plan.pop_due(now)
        self.missed += self.plan.skipped  # a stall skipped them: never published
        self.plan.skipped = 0
        jobs = self._still_valid(self._unpublished, now) + build_jobs(due)
        self._unpublished = []
        if not jobs:
            return 0
        if self._leadership.shared:
            try:
                owned = await self._record_cursor(now)
            except Exception as error:  # not recorded, so not published: retry next tick
                self._unpublished = jobs
                log.warning(kv(event="cursor_failed", error=type(error).__name__))
                return 0
            if not owned:
                await self._lose_lead("another scheduler owns the cursor")
                return 0
        try:
            await self._jobs.publish(jobs)
        except Exception as error:
            # Keep them and retry next tick, until they expire: a broker restart delays
            # checks instead of losing them.
            self._unpublished = jobs
            log.warning(kv(event="publish_failed", jobs=len(jobs), error=type(error).__name__))
            return 0
        self.published += len(jobs)
        return len(jobs)

    def _still_valid(self, jobs: list[CheckJob], now: float) -> list[CheckJob]:
        moment = _at(now)
        valid = [job for job in jobs if job.expires_at > moment]
        self.missed += len(jobs) - len(valid)
        return valid

    async def _record_cursor(self, published_until: float) -> bool:
        """Advance the cursor if we still own it; False means another scheduler took over.

        The leader's name on the cursor is a fencing token: a leader that lost its lock but
        has not noticed yet (a stalled process) cannot advance it, so it never publishes
        what its successor publishes.
        """
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(SchedulerCursor)
                .where(SchedulerCursor.name == CURSOR, SchedulerCursor.leader == self.name)
                .values(
                    published_until=func.greatest(SchedulerCursor.published_until, published_until)
                    if session.get_bind().dialect.name == "postgresql"
                    else func.max(SchedulerCursor.published_until, published_until),
                    updated_at=_at(self._clock()),
                )
            )
            return bool(getattr(result, "rowcount", 0))

    async def _claim_cursor(self) -> float:
        """Make this scheduler the cursor's owner; returns where the last leader stopped."""
        async with self._sessions() as session, session.begin():
            cursor = await session.get(SchedulerCursor, CURSOR, with_for_update=True)
            if cursor is None:
                session.add(SchedulerCursor(name=CURSOR, published_until=0.0, leader=self.name))
                return 0.0
            cursor.leader = self.name
            cursor.updated_at = _at(self._clock())
            return cursor.published_until

    # -- leadership ---------------------------------------------------------------------

    async def _take_lead(self) -> None:
        """Start from a clean plan that begins strictly after what was published before."""
        self.plan = SchedulePlan()
        self._changes.restart()
        if self._leadership.shared:
            previous = await self._claim_cursor()
            self._start_after = previous + 1e-6 if previous else 0.0
        await self.refresh()
        if self._start_after:
            # Due while no scheduler led (the last leader died, or lost the database):
            # not published late in a burst, but counted as missed.
            gap = self.plan.jobs_due_since(self._start_after)
            self.missed += gap
            if gap:
                log.warning(kv(event="missed_while_leaderless", jobs=gap))
        self.is_leader = True
        log.info(kv(event="leading", monitors=len(self.plan), scheduler=self.name))

    async def _lose_lead(self, reason: str) -> None:
        self.is_leader = False
        self.plan = SchedulePlan()
        # Past the cursor already, so the next leader starts after them: missed.
        self.missed += len(self._unpublished)
        self._unpublished = []
        await self._leadership.release()
        log.warning(kv(event="lead_lost", reason=reason))

    # -- the loop -----------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        log.info(kv(event="started", scheduler=self.name))
        try:
            while not stop.is_set():
                if not self.is_leader:
                    await self._try_to_lead(stop)
                    continue
                await self._lead(stop)
        finally:
            if self._maintenance is not None:
                await asyncio.gather(self._maintenance, return_exceptions=True)
            await self._leadership.release()
        log.info(kv(event="stopped", published=self.published, missed=self.missed))

    async def _try_to_lead(self, stop: asyncio.Event) -> None:
        try:
            if await self._leadership.acquire():
                await self._take_lead()
                return
        except Exception as error:
            log.warning(kv(event="takeover_failed", error=type(error).__name__))
        await sleep_or_stop(stop, STANDBY_POLL_SECONDS)

    async def _lead(self, stop: asyncio.Event) -> None:
        next_refresh = 0.0
        while not stop.is_set():
            now = self._clock()
            if now >= next_refresh:
                if not await self._leadership.still_held():
                    await self._lose_lead("lock connection lost")
                    return
                try:
                    await self.refresh()
                except Exception as error:  # a database hiccup must not stop publishing
                    log.warning(kv(event="refresh_failed", error=type(error).__name__))
                next_refresh = self._clock() + self._refresh_seconds
                self._maybe_maintain(now)
                if self._heartbeats is not None:
                    await self._heartbeats.maybe_check()  # at most once a second
            await self.publish_due()
            if not self.is_leader:
                return
            wake = next_refresh
            upcoming = self.plan.next_due()
            if upcoming is not None:
                wake = min(wake, upcoming)
            await sleep_or_stop(stop, max(wake - self._clock(), TICK_SECONDS))

    def _maybe_maintain(self, now: float) -> None:
        busy = self._maintenance is not None and not self._maintenance.done()
        if busy or now < self._next_maintenance:
            return
        self._next_maintenance = now + MAINTENANCE_EVERY.total_seconds()
        self._maintenance = asyncio.create_task(self._maintain(now))

    async def _maintain(self, now: float) -> None:
        try:
            report = await apply_retention(
                self._sessions, now=_at(now), retention_days=self._retention_days
            )
        except Exception as error:
            log.warning(kv(event="retention_failed", error=type(error).__name__))
            return
        log.info(
            kv(
                event="retention",
                checks_deleted=report.checks_deleted,
                rollups_deleted=report.rollups_deleted,
                partitions_created=len(report.partitions_created),
                partitions_dropped=len(report.partitions_dropped),
            )
        )
