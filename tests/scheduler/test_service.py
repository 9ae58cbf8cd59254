"""The scheduler against a real database and the in-process broker, on a fake clock."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import delete, update

from betteruptime.db.models import Monitor
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.domain.messages import CheckJob, ProbeSpec
from betteruptime.scheduler import service
from betteruptime.scheduler.service import Scheduler
from betteruptime.scheduler.snapshot import probe_spec
from betteruptime.transport.memory import MemoryBroker
from betteruptime.transport.queues import JobQueue

MonitorFactory = Callable[..., Awaitable[int]]


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def drain(jobs: JobQueue, region: str = "default") -> list[CheckJob]:
    consumer = await jobs.consumer(region, prefetch=1000)
    taken: list[CheckJob] = []
    while await jobs.broker.queue_depth(f"jobs.{region}"):
        batch = await consumer.get()
        taken.extend(batch.items)
        await batch.ack()
    await consumer.close()
    return taken


async def run_for(
    scheduler: Scheduler, clock: FakeClock, seconds: float, step: float = 0.5
) -> None:
    end = clock.now + seconds
    while clock.now < end:
        clock.now += step
        await scheduler.publish_due()


async def edit(sessions: SessionFactory, monitor_id: int, **values: object) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            update(Monitor).where(Monitor.id == monitor_id).values(updated_at=utcnow(), **values)
        )


def make_scheduler(sessions: SessionFactory) -> tuple[Scheduler, JobQueue, FakeClock]:
    clock = FakeClock()
    jobs = JobQueue(MemoryBroker())
    return Scheduler(sessions=sessions, jobs=jobs, clock=clock), jobs, clock


async def test_it_publishes_one_job_per_due_time_on_a_drift_free_grid(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor(interval_seconds=10)
    scheduler, jobs, clock = make_scheduler(sessions)
    await scheduler.refresh()
    await run_for(scheduler, clock, 60)
    published = await drain(jobs)
    dues = [job.due_at.timestamp() for job in published]
    assert len(published) == 6
    assert all(later - earlier == 10 for earlier, later in itertools.pairwise(dues))
    assert all(job.spec.monitor_id == monitor_id for job in published)
    assert all((job.expires_at - job.due_at).total_seconds() == 10 for job in published)


async def test_it_publishes_one_job_per_region(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    await make_monitor(interval_seconds=10, regions=["eu", "us"])
    scheduler, jobs, clock = make_scheduler(sessions)
    await scheduler.refresh()
    await run_for(scheduler, clock, 10)
    eu, us = await drain(jobs, "eu"), await drain(jobs, "us")
    assert len(eu) == len(us) == 1
    assert eu[0].due_at == us[0].due_at


async def test_it_picks_up_created_edited_paused_and_deleted_monitors(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    scheduler, jobs, clock = make_scheduler(sessions)
    await scheduler.refresh()
    assert len(scheduler.plan) == 0

    monitor_id = await make_monitor(interval_seconds=10)
    await scheduler.refresh()
    assert monitor_id in scheduler.plan

    await edit(sessions, monitor_id, url="http://127.0.0.1:8/changed")
    await scheduler.refresh()
    await run_for(scheduler, clock, 10)
    assert {job.spec.url for job in await drain(jobs)} == {"http://127.0.0.1:8/changed"}

    await edit(sessions, monitor_id, paused=True)
    await scheduler.refresh()
    await run_for(scheduler, clock, 30)
    assert await drain(jobs) == []

    await edit(sessions, monitor_id, paused=False)
    await scheduler.refresh()
    assert monitor_id in scheduler.plan

    async with sessions() as session, session.begin():
        await session.execute(delete(Monitor).where(Monitor.id == monitor_id))
    await scheduler.refresh()
    assert monitor_id not in scheduler.plan


async def test_monitors_with_the_same_interval_do_not_fire_together(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    for _ in range(60):
        await make_monitor(interval_seconds=60)
    scheduler, _jobs, clock = make_scheduler(sessions)
    await scheduler.refresh()
    per_step = []
    for _ in range(60):
        clock.now += 1
        per_step.append(await scheduler.publish_due())
    assert sum(per_step) == 60
    assert max(per_step) <= 3


async def test_a_slow_first_load_sends_nothing_late(
    sessions: SessionFactory, make_monitor: MonitorFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading 100,000 monitors takes seconds; due times that passed meanwhile must not
    all go out late in one burst when the load ends (here each monitor read takes 1 s of
    the fake clock, so the load spans a whole interval)."""
    for _ in range(60):
        await make_monitor(interval_seconds=60)
    scheduler, jobs, clock = make_scheduler(sessions)

    def slow_probe_spec(monitor: Monitor) -> ProbeSpec:
        clock.now += 1
        return probe_spec(monitor)

    monkeypatch.setattr(service, "probe_spec", slow_probe_spec)
    await scheduler.refresh()
    lateness = []
    for _ in range(120):
        clock.now += 1
        published = await scheduler.publish_due()
        for job in await drain(jobs) if published else []:
            lateness.append(clock.now - job.due_at.timestamp())
    assert len(lateness) == 120  # every monitor, twice
    assert max(lateness) <= 1
