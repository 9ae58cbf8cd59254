"""Heartbeat ping URLs, through the real app with the in-process broker: what each URL
answers, and what lands in the result queue (the ingester's input)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from betteruptime.db.session import SessionFactory
from betteruptime.domain.messages import CheckResult
from betteruptime.runtime.app import create_app
from betteruptime.settings import Settings
from betteruptime.transport.memory import MemoryBroker
from betteruptime.transport.queues import RESULTS_QUEUE, ResultQueue

MONITORS = "/api/v1/monitors"
Headers = dict[str, str]


@pytest.fixture
def results() -> ResultQueue:
    return ResultQueue(MemoryBroker())


@pytest.fixture
async def app(
    settings: Settings, sessions: SessionFactory, results: ResultQueue
) -> AsyncIterator[FastAPI]:
    """Overrides the api conftest's app: with a result queue, its lifespan running."""
    app = create_app(settings, sessions, results)
    async with app.router.lifespan_context(app):
        yield app


async def heartbeat(client: httpx.AsyncClient, app: FastAPI, headers: Headers) -> dict[str, Any]:
    """A new heartbeat monitor (its token is known to the intake at once)."""
    body = {"name": "nightly backup", "kind": "heartbeat", "period_seconds": 3600}
    created = await client.post(MONITORS, json=body, headers=headers)
    assert created.status_code == 201, created.text
    monitor: dict[str, Any] = created.json()
    monitor["path"] = monitor["ping_url"].removeprefix("http://test")
    return monitor


async def published(results: ResultQueue, count: int) -> list[CheckResult]:
    """Take exactly `count` results off the queue (failing if fewer arrive in time)."""
    consumer = await results.consumer(prefetch=1000)
    taken: list[CheckResult] = []
    try:
        while len(taken) < count:
            batch = await asyncio.wait_for(consumer.get(), timeout=2)
            taken.extend(batch.items)
            await batch.ack()
    finally:
        await consumer.close()
    return taken


async def queued(results: ResultQueue) -> int:
    return await results.broker.queue_depth(RESULTS_QUEUE)


async def test_an_unknown_token_is_a_404_with_a_json_error(
    client: httpx.AsyncClient, results: ResultQueue
) -> None:
    response = await client.get("/ping/no-such-token")

    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "message": "No heartbeat monitor has this ping URL; check the token.",
    }
    assert await queued(results) == 0


async def test_get_head_and_post_are_accepted_and_each_becomes_one_result(
    client: httpx.AsyncClient, app: FastAPI, alice: Headers, results: ResultQueue
) -> None:
    monitor = await heartbeat(client, app, alice)
    before = datetime.now(UTC)

    answers = [await client.request(method, monitor["path"]) for method in ("GET", "HEAD", "POST")]

    assert [(a.status_code, a.text) for a in answers] == [(200, "OK"), (200, ""), (200, "OK")]
    got = await published(results, 3)
    assert {r.monitor_id for r in got} == {monitor["id"]}
    assert all(r.up and r.error is None and r.region == "ping" and r.ping == "end" for r in got)
    assert all(before <= r.due_at == r.checked_at <= datetime.now(UTC) for r in got)
    assert all(r.body is None for r in got)  # an empty POST keeps nothing


async def test_a_post_body_is_kept_up_to_10_kb_and_refused_with_413_above(
    client: httpx.AsyncClient, app: FastAPI, alice: Headers, results: ResultQueue
) -> None:
    monitor = await heartbeat(client, app, alice)
    log_tail = "x" * 9_990 + "done.\x00é"  # exactly 10,000 bytes in UTF-8

    kept = await client.post(monitor["path"], content=log_tail.encode())
    too_large = await client.post(monitor["path"], content=b"y" * 10_001)

    assert kept.status_code == 200
    assert too_large.status_code == 413
    assert too_large.json()["error"] == "content_too_large"
    assert "10,000 bytes" in too_large.json()["message"]
    [result] = await published(results, 1)
    # NUL cannot be stored in PostgreSQL text: replaced, everything else intact.
    assert result.body == log_tail.replace("\x00", "\ufffd")
    assert await queued(results) == 0  # the refused ping was not recorded


async def test_a_chunked_body_over_the_limit_is_refused_too(
    client: httpx.AsyncClient, app: FastAPI, alice: Headers, results: ResultQueue
) -> None:
    monitor = await heartbeat(client, app, alice)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(11):
            yield b"z" * 1000

    response = await client.post(monitor["path"], content=chunks())

    assert response.status_code == 413
    assert await queued(results) == 0


@pytest.mark.parametrize(
    ("suffix", "up", "error", "ping"),
    [
        ("/0", True, None, "end"),
        ("/fail", False, "reported failure", "end"),
        ("/3", False, "reported failure (exit status 3)", "end"),
        ("/255", False, "reported failure (exit status 255)", "end"),
        ("/start", True, None, "start"),
    ],
)
async def test_each_ping_url_reports_what_it_says(
    client: httpx.AsyncClient,
    app: FastAPI,
    alice: Headers,
    results: ResultQueue,
    suffix: str,
    up: bool,
    error: str | None,
    ping: str,
) -> None:
    monitor = await heartbeat(client, app, alice)

    response = await client.get(monitor["path"] + suffix)

    assert response.status_code == 200 and response.text == "OK"
    [result] = await published(results, 1)
    assert (result.up, result.error, result.ping) == (up, error, ping)


@pytest.mark.parametrize("suffix", ["/256", "/-1", "/+3", "/abc", "/1000", "/start/now"])
async def test_an_unknown_action_is_a_404_and_records_nothing(
    client: httpx.AsyncClient, app: FastAPI, alice: Headers, results: ResultQueue, suffix: str
) -> None:
    monitor = await heartbeat(client, app, alice)

    response = await client.get(monitor["path"] + suffix)

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert await queued(results) == 0


async def test_a_paused_heartbeat_answers_ok_but_records_nothing(
    client: httpx.AsyncClient, app: FastAPI, alice: Headers, results: ResultQueue
) -> None:
    monitor = await heartbeat(client, app, alice)
    paused = await client.post(f"{MONITORS}/{monitor['id']}/pause", headers=alice)
    assert paused.status_code == 200, paused.text

    response = await client.get(monitor["path"])

    assert response.status_code == 200 and response.text.startswith("OK")
    assert await queued(results) == 0


async def test_pings_issue_no_database_query(
    client: httpx.AsyncClient, app: FastAPI, alice: Headers, engine: AsyncEngine
) -> None:
    monitor = await heartbeat(client, app, alice)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        for _ in range(100):
            assert (await client.get(monitor["path"])).status_code == 200
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)

    # At most the background token refresh, which runs once a second whatever the load.
    assert all("ping_token" in s or "count(" in s.lower() for s in statements), statements
    assert len(statements) <= 6


async def test_without_a_result_queue_pings_are_refused_with_503(
    settings: Settings, sessions: SessionFactory
) -> None:
    app = create_app(settings, sessions)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/ping/whatever")

    assert response.status_code == 503
    assert "RABBITMQ_URL" in response.json()["message"]


async def test_a_ping_not_published_is_a_503_so_the_job_can_retry(
    client: httpx.AsyncClient, app: FastAPI, alice: Headers, results: ResultQueue
) -> None:
    monitor = await heartbeat(client, app, alice)

    async def broker_down(queue: str, bodies: object) -> None:
        raise ConnectionError("broker unreachable")

    results.broker.publish = broker_down  # type: ignore[method-assign]
    response = await client.get(monitor["path"])

    assert response.status_code == 503
    assert response.json()["error"] == "ping_not_recorded"


async def test_many_concurrent_pings_are_published_in_few_batches(
    client: httpx.AsyncClient, app: FastAPI, alice: Headers, results: ResultQueue
) -> None:
    monitor = await heartbeat(client, app, alice)

    answers = await asyncio.gather(*(client.get(monitor["path"]) for _ in range(200)))

    assert all(a.status_code == 200 for a in answers)
    messages = await queued(results)
    assert len(await published(results, 200)) == 200
    assert messages < 50  # batched: far fewer messages than pings
