"""How the api knows which monitor a ping URL names (api/ping_tokens.py): its own changes
at once, another process's creations and resumes at once (looked up), their deletions and
pauses within the documented bound; unknown tokens cost one lookup, a few at a time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from betteruptime.api.ping_tokens import (
    CHANGES_ELSEWHERE_WITHIN_SECONDS,
    LookupUnavailable,
    PingTokens,
    RecentMisses,
)
from betteruptime.api.pings import PingIntake
from betteruptime.config_as_code.apply import apply_text
from betteruptime.db.changes import MonitorChange
from betteruptime.db.models import Monitor
from betteruptime.db.session import SessionFactory, create_engine, session_factory
from betteruptime.db.types import utcnow
from betteruptime.runtime.app import create_app
from betteruptime.services import monitors as monitor_service
from betteruptime.settings import Settings
from betteruptime.transport.memory import MemoryBroker
from betteruptime.transport.queues import RESULTS_QUEUE, ResultQueue
from testkit.waiting import eventually

MONITORS = "/api/v1/monitors"
Headers = dict[str, str]
HOURLY = {"name": "hourly sync", "kind": "heartbeat", "period_seconds": 3600}


@pytest.fixture
def results() -> ResultQueue:
    return ResultQueue(MemoryBroker())


@pytest.fixture
def refresh_seconds() -> float:
    """Never, unless a test says otherwise: what is known at once must not depend on
    a refresh happening to run in between."""
    return 3600.0


@pytest.fixture
async def app(
    settings: Settings, sessions: SessionFactory, results: ResultQueue, refresh_seconds: float
) -> AsyncIterator[FastAPI]:
    app = create_app(settings, sessions, results)
    app.state.pings = PingIntake(
        sessions=sessions, results=results, refresh_seconds=refresh_seconds
    )
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def elsewhere(database_url: str) -> AsyncIterator[SessionFactory]:
    """The same database through an engine of its own: another process, such as
    `betteruptime apply` or a second api, whose commits this app does not hear."""
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


def tokens(app: FastAPI) -> PingTokens:
    intake: PingIntake = app.state.pings
    return intake.tokens


def path_of(monitor: dict[str, Any]) -> str:
    return str(monitor["ping_url"]).removeprefix("http://test")


async def queued(results: ResultQueue) -> int:
    return await results.broker.queue_depth(RESULTS_QUEUE)


async def create(client: httpx.AsyncClient, headers: Headers) -> dict[str, Any]:
    created = await client.post(MONITORS, json=HOURLY, headers=headers)
    assert created.status_code == 201, created.text
    monitor: dict[str, Any] = created.json()
    return monitor


async def record_of(session: AsyncSession, monitor_id: int) -> monitor_service.MonitorRecord:
    owner = await session.scalar(select(Monitor.organization_id).where(Monitor.id == monitor_id))
    assert owner is not None
    record = await monitor_service.get_monitor(
        session, organization_id=owner, monitor_id=monitor_id
    )
    assert record is not None
    return record


async def test_a_heartbeat_created_here_takes_its_first_ping_at_once(
    client: httpx.AsyncClient, app: FastAPI, alice: Headers, results: ResultQueue
) -> None:
    monitor = await create(client, alice)

    response = await client.get(path_of(monitor))

    assert (response.status_code, response.text) == (200, "OK")
    assert await queued(results) == 1
    assert tokens(app).lookups == 0  # known from its own commit, not looked up


async def test_a_ping_right_after_apply_in_another_process_is_recorded(
    client: httpx.AsyncClient,
    app: FastAPI,
    alice: Headers,
    results: ResultQueue,
    settings: Settings,
    elsewhere: SessionFactory,
) -> None:
    async with elsewhere() as session:
        await apply_text(
            session,
            text="monitors:\n  - {name: nightly, kind: heartbeat, period_seconds: 86400}\n",
            settings=settings,
            email="alice@example.com",
        )
    [monitor] = (await client.get(MONITORS, headers=alice)).json()

    response = await client.post(path_of(monitor), content=b"backup done")

    assert (response.status_code, response.text) == (200, "OK")
    assert await queued(results) == 1


async def test_the_api_that_deletes_a_heartbeat_refuses_its_pings_at_once(
    client: httpx.AsyncClient, app: FastAPI, alice: Headers, results: ResultQueue
) -> None:
    monitor = await create(client, alice)
    assert (await client.get(path_of(monitor))).status_code == 200

    deleted = await client.delete(f"{MONITORS}/{monitor['id']}", headers=alice)
    assert deleted.status_code == 204
    response = await client.get(path_of(monitor) + "/fail")

    assert response.status_code == 404
    assert await queued(results) == 1  # only the ping before the delete


async def test_the_api_that_pauses_or_resumes_a_heartbeat_applies_it_at_once(
    client: httpx.AsyncClient, app: FastAPI, alice: Headers, results: ResultQueue
) -> None:
    monitor = await create(client, alice)

    await client.post(f"{MONITORS}/{monitor['id']}/pause", headers=alice)
    while_paused = await client.get(path_of(monitor))
    await client.post(f"{MONITORS}/{monitor['id']}/resume", headers=alice)
    resumed = await client.get(path_of(monitor))

    assert while_paused.text == "OK (monitor paused: ping not recorded)"
    assert (resumed.status_code, resumed.text) == (200, "OK")
    assert await queued(results) == 1


async def test_a_heartbeat_that_stops_being_one_here_loses_its_url_at_once(
    client: httpx.AsyncClient, app: FastAPI, alice: Headers
) -> None:
    monitor = await create(client, alice)

    changed = await client.patch(
        f"{MONITORS}/{monitor['id']}",
        json={"kind": "http", "url": "https://example.com/", "period_seconds": None},
        headers=alice,
    )
    assert changed.status_code == 200, changed.text

    assert (await client.get(path_of(monitor))).status_code == 404


async def test_a_heartbeat_resumed_by_another_process_takes_its_next_ping(
    client: httpx.AsyncClient,
    app: FastAPI,
    alice: Headers,
    results: ResultQueue,
    elsewhere: SessionFactory,
) -> None:
    monitor = await create(client, alice)
    await client.post(f"{MONITORS}/{monitor['id']}/pause", headers=alice)
    assert tokens(app).known(path_of(monitor).split("/")[2]).paused  # type: ignore[union-attr]

    async with elsewhere() as session:
        record = await record_of(session, monitor["id"])
        await monitor_service.resume_monitor(session, record=record)
    response = await client.get(path_of(monitor))

    # Known here as paused, so the database was asked before dropping the ping.
    assert (response.status_code, response.text) == (200, "OK")
    assert await queued(results) == 1


@pytest.mark.parametrize("refresh_seconds", [1.0])  # the product's own refresh
async def test_another_process_deleting_or_pausing_reaches_this_api_within_the_bound(
    client: httpx.AsyncClient,
    app: FastAPI,
    alice: Headers,
    elsewhere: SessionFactory,
    refresh_seconds: float,
) -> None:
    paused, deleted = await create(client, alice), await create(client, alice)
    for monitor in (paused, deleted):
        assert (await client.get(path_of(monitor))).text == "OK"

    async with elsewhere() as session:
        record = await record_of(session, paused["id"])
        await monitor_service.pause_monitor(session, monitor=record.monitor)
        record = await record_of(session, deleted["id"])
        await monitor_service.delete_monitor(session, monitor=record.monitor)

    async def caught_up() -> bool:
        pause_seen = (await client.get(path_of(paused))).text.startswith("OK (monitor paused")
        delete_seen = (await client.get(path_of(deleted))).status_code == 404
        return pause_seen and delete_seen

    await eventually(
        caught_up, within=CHANGES_ELSEWHERE_WITHIN_SECONDS, what="both changes", every=0.05
    )


async def test_an_unknown_token_is_looked_up_once_then_answered_from_memory(
    client: httpx.AsyncClient, app: FastAPI, engine: AsyncEngine
) -> None:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        burst = [client.get("/ping/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") for _ in range(20)]
        answers = [*await asyncio.gather(*burst)]
        answers += [await client.get("/ping/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/fail")]
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)

    assert {a.status_code for a in answers} == {404}
    assert tokens(app).lookups == 1
    assert len([s for s in statements if "ping_token" in s]) == 1


@pytest.mark.parametrize("token", ["x" * 65, "not%20a%20token", "semi;colon"])
async def test_what_cannot_be_a_token_is_refused_without_a_lookup(
    client: httpx.AsyncClient, app: FastAPI, token: str
) -> None:
    response = await client.get(f"/ping/{token}")

    assert response.status_code == 404
    assert tokens(app).lookups == 0


def slow_sessions(sessions: SessionFactory, in_flight: list[int]) -> Any:
    """`sessions`, but each session is held 20 ms longer and counted while open."""

    @contextlib.asynccontextmanager
    async def open_session() -> AsyncIterator[AsyncSession]:
        in_flight.append(in_flight[-1] + 1)
        try:
            await asyncio.sleep(0.02)
            async with sessions() as session:
                yield session
        finally:
            in_flight.append(in_flight[-1] - 1)

    return open_session


async def test_lookups_of_many_unknown_tokens_run_a_few_at_a_time(
    sessions: SessionFactory,
) -> None:
    in_flight = [0]
    known = PingTokens(slow_sessions(sessions, in_flight), lookups_at_once=4)

    found = await asyncio.gather(*(known.resolve(f"guess{n:027d}") for n in range(40)))

    assert found == [None] * 40
    assert known.lookups == 40
    assert max(in_flight) == 4


async def test_too_many_waiting_lookups_are_refused_so_the_job_retries(
    sessions: SessionFactory,
) -> None:
    known = PingTokens(slow_sessions(sessions, [0]), lookups_at_once=1, max_waiting=2)

    answers = await asyncio.gather(
        *(known.resolve(f"guess{n:027d}") for n in range(3)), return_exceptions=True
    )

    assert answers[:2] == [None, None]
    assert isinstance(answers[2], LookupUnavailable)


async def test_a_lookup_the_database_cannot_answer_is_unavailable_not_unknown(
    sessions: SessionFactory,
) -> None:
    def broken() -> Any:
        raise ConnectionError("database unreachable")

    known = PingTokens(broken)  # type: ignore[arg-type]

    with pytest.raises(LookupUnavailable):
        await known.resolve("A" * 32)
    with pytest.raises(LookupUnavailable):  # not remembered as unknown
        await known.resolve("A" * 32)


async def test_a_paused_heartbeat_stays_paused_while_the_database_cannot_be_asked() -> None:
    def broken() -> Any:
        raise ConnectionError("database unreachable")

    known = PingTokens(broken)  # type: ignore[arg-type]
    known.apply_changes([MonitorChange(7, "P" * 32, paused=True, updated_at=utcnow())])

    target = await known.resolve("P" * 32)

    assert target is not None and (target.monitor_id, target.paused) == (7, True)


def test_recent_misses_are_bounded_in_number_and_in_time() -> None:
    now = [0.0]
    clock: Callable[[], float] = lambda: now[0]  # noqa: E731
    misses = RecentMisses(size=3, seconds=60, clock=clock)

    for token in ("a", "b", "c", "d"):
        misses.add(token)
    assert ("a" in misses, "b" in misses, "d" in misses) == (False, True, True)
    assert len(misses) == 3
    now[0] = 60.0
    assert "d" not in misses  # forgotten: looked up again next time
