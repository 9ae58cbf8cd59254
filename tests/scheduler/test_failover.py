"""Two schedulers on PostgreSQL: one publishes, the standby takes over, nothing doubles."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from betteruptime.db.models import Monitor, MonitorState, User
from betteruptime.db.session import SessionFactory, create_engine, session_factory
from betteruptime.domain.messages import CheckJob
from betteruptime.scheduler.leadership import PostgresLeadership
from betteruptime.scheduler.service import Scheduler
from betteruptime.services.organizations import create_personal_organization
from betteruptime.transport.memory import MemoryBroker
from betteruptime.transport.queues import JobQueue


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[tuple[AsyncEngine, SessionFactory]]:
    engine = create_engine(postgres_url)
    async with engine.begin() as connection:
        await connection.execute(text("TRUNCATE users, monitors, scheduler_cursor CASCADE"))
    yield engine, session_factory(engine)
    await engine.dispose()


async def add_monitors(sessions: SessionFactory, count: int) -> None:
    async with sessions() as session, session.begin():
        user = User(email="failover@example.com", password_hash="x")
        session.add(user)
        await session.flush()
        organization = await create_personal_organization(session, user=user)
        for index in range(count):
            monitor = Monitor(
                organization_id=organization.id,
                name=f"m{index}",
                url="http://127.0.0.1:9/",
                interval_seconds=1,
                timeout_seconds=0.5,
                regions=["default"],
                expected_status=["200-299"],
                headers={},
            )
            session.add(monitor)
            await session.flush()
            session.add(MonitorState(monitor_id=monitor.id))


async def drain(jobs: JobQueue) -> list[CheckJob]:
    consumer = await jobs.consumer("default", prefetch=10_000)
    taken: list[CheckJob] = []
    while await jobs.broker.queue_depth("jobs.default"):
        batch = await consumer.get()
        taken.extend(batch.items)
        await batch.ack()
    await consumer.close()
    return taken


async def wait_until(condition: object, within: float) -> float:
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not condition():  # type: ignore[operator]
        if loop.time() - started > within:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)
    return loop.time() - started


async def test_the_standby_takes_over_when_the_leader_dies_and_no_due_time_is_published_twice(
    pg: tuple[AsyncEngine, SessionFactory],
) -> None:
    engine, sessions = pg
    await add_monitors(sessions, 20)
    jobs = JobQueue(MemoryBroker())
    first_engine, second_engine = create_engine(str(engine.url)), create_engine(str(engine.url))
    first = Scheduler(
        sessions=session_factory(first_engine),
        jobs=jobs,
        leadership=PostgresLeadership(first_engine),
    )
    second = Scheduler(
        sessions=session_factory(second_engine),
        jobs=jobs,
        leadership=PostgresLeadership(second_engine),
    )
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    first_task = asyncio.create_task(first.run(stop_first))
    await wait_until(lambda: first.is_leader, within=5)
    second_task = asyncio.create_task(second.run(stop_second))
    await asyncio.sleep(2.5)
    assert first.is_leader and not second.is_leader
    assert first.published >= 20 and second.published == 0

    # The leader's database session dies (as when its process is SIGKILLed).
    async with sessions() as session:
        await session.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                "WHERE locktype = 'advisory' AND granted"
            )
        )
    first_task.cancel()
    await asyncio.gather(first_task, return_exceptions=True)
    took = await wait_until(lambda: second.is_leader, within=5)
    await asyncio.sleep(2.5)
    stop_second.set()
    await second_task
    await first_engine.dispose()
    await second_engine.dispose()

    published = await drain(jobs)
    per_due_time = Counter((job.spec.monitor_id, job.due_at) for job in published)
    assert max(per_due_time.values()) == 1, "a due time was published twice"
    assert second.published > 0
    print(f"failover took {took:.2f} s; {len(published)} jobs, none twice")
