"""The scheduler role: keeps the plan in step with the database and publishes due jobs.

Changes are picked up by polling `monitors.updated_at` (every API change sets it) twice a
second, so a created, edited, paused or deleted monitor is in the plan within a second
without any coupling between the API and the scheduler processes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from betteruptime.db.models import Monitor
from betteruptime.db.session import SessionFactory
from betteruptime.domain.messages import CheckJob
from betteruptime.lifecycle import sleep_or_stop
from betteruptime.logs import get_logger, kv
from betteruptime.scheduler.plan import DueCheck, SchedulePlan
from betteruptime.scheduler.snapshot import probe_spec
from betteruptime.transport.queues import JobQueue

log = get_logger("scheduler")

# Commits may land with an updated_at a little older than one already seen (clock reads
# happen before commit); re-reading a short overlap catches them. Versions dedupe repeats.
WATERMARK_OVERLAP = timedelta(seconds=5)
REFRESH_SECONDS = 0.5


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


class Scheduler:
    def __init__(
        self,
        *,
        sessions: SessionFactory,
        jobs: JobQueue,
        clock: Callable[[], float] = time.time,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._jobs = jobs
        self._clock = clock
        self._refresh_seconds = refresh_seconds
        self.plan = SchedulePlan()
        self._watermark: datetime | None = None
        self.published = 0

    async def refresh(self) -> None:
        """Apply monitors changed since the last refresh, then drop deleted ones."""
        now = self._clock()
        query = select(Monitor)
        if self._watermark is not None:
            query = query.where(Monitor.updated_at > self._watermark - WATERMARK_OVERLAP)
        async with self._sessions() as session:
            changed = (await session.scalars(query)).all()
            for monitor in changed:
                self._apply(monitor, now)
            active = await session.scalar(
                select(func.count()).select_from(Monitor).where(Monitor.paused.is_(False))
            )
            if active != len(self.plan):
                # Something was deleted (deletes leave no updated_at behind): reconcile ids.
                ids = set(
                    (
                        await session.scalars(select(Monitor.id).where(Monitor.paused.is_(False)))
                    ).all()
                )
                for monitor_id in self.plan.ids() - ids:
                    self.plan.remove(monitor_id)
                    log.info(kv(event="removed", monitor_id=monitor_id))

    def _apply(self, monitor: Monitor, now: float) -> None:
        if self._watermark is None or monitor.updated_at > self._watermark:
            self._watermark = monitor.updated_at
        if monitor.paused:
            if monitor.id in self.plan:
                self.plan.remove(monitor.id)
                log.info(kv(event="paused", monitor_id=monitor.id))
            return
        if self.plan.version(monitor.id) == monitor.updated_at:
            return
        self.plan.upsert(
            probe_spec(monitor),
            interval_seconds=monitor.interval_seconds,
            regions=tuple(monitor.regions or ["default"]),
            version=monitor.updated_at,
            now=now,
        )

    async def publish_due(self) -> int:
        now = self._clock()
        due = self.plan.pop_due(now)
        if not due:
            return 0
        jobs = build_jobs(due)
        await self._jobs.publish(jobs)
        self.published += len(jobs)
        lag_ms = (now - min(check.due for check in due)) * 1000
        log.debug(kv(event="published", jobs=len(jobs), max_lag_ms=lag_ms))
        return len(jobs)

    async def run(self, stop: asyncio.Event) -> None:
        log.info(kv(event="started"))
        next_refresh = 0.0
        while not stop.is_set():
            if self._clock() >= next_refresh:
                try:
                    await self.refresh()
                except Exception as error:  # a database hiccup must not stop scheduling
                    log.warning(kv(event="refresh_failed", error=type(error).__name__))
                next_refresh = self._clock() + self._refresh_seconds
            await self.publish_due()
            wake = next_refresh
            upcoming = self.plan.next_due()
            if upcoming is not None:
                wake = min(wake, upcoming)
            await sleep_or_stop(stop, wake - self._clock())
        log.info(kv(event="stopped", published=self.published, skipped=self.plan.skipped))
