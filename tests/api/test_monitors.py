"""Creating, reading, changing, pausing, resuming and deleting monitors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import event, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from betteruptime.db.models import (
    ROLLUP_MODELS,
    Check,
    Incident,
    MonitorState,
    OutboxEvent,
)
from betteruptime.db.session import SessionFactory
from betteruptime.settings import Settings

MONITORS = "/api/v1/monitors"
Create = Callable[..., Awaitable[dict[str, Any]]]

# Every table that holds rows about a monitor.
RECORD_MODELS: tuple[type[Any], ...] = (
    Check,
    OutboxEvent,
    Incident,
    MonitorState,
    *ROLLUP_MODELS.values(),
)


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_it_fills_in_defaults_from_the_settings(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await client.post(
        MONITORS, json={"name": "Site", "url": "https://example.com/"}, headers=alice
    )

    assert response.status_code == 201
    monitor = response.json()
    assert monitor["status"] == "pending"
    assert monitor["last_checked_at"] is None
    assert monitor["interval_seconds"] == 60
    assert monitor["timeout_seconds"] == 10
    assert monitor["regions"] == ["eu-west"]
    assert monitor["expected_status"] == ["200-299"]
    assert (monitor["method"], monitor["kind"], monitor["keyword_mode"]) == (
        "GET",
        "http",
        "present",
    )
    assert (monitor["failure_threshold"], monitor["recovery_threshold"]) == (3, 2)
    assert monitor["follow_redirects"] is monitor["verify_tls"] is True
    assert monitor["created_at"] == monitor["updated_at"]


async def test_it_never_defaults_below_the_minimum_interval(
    client: httpx.AsyncClient, alice: dict[str, str], settings: Settings
) -> None:
    settings.min_interval = 120

    monitor = (
        await client.post(MONITORS, json={"name": "S", "url": "http://e.com"}, headers=alice)
    ).json()

    assert (monitor["interval_seconds"], monitor["timeout_seconds"]) == (120, 10)


async def test_it_defaults_the_timeout_to_half_a_short_interval(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    body = {"name": "S", "url": "http://e.com", "interval_seconds": 12}

    monitor = (await client.post(MONITORS, json=body, headers=alice)).json()

    assert monitor["timeout_seconds"] == 6


async def test_it_stores_every_field_as_given_and_normalises_status_codes(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    body = {
        "name": "API",
        "kind": "json",
        "url": "https://api.example.com/health",
        "method": "post",
        "headers": {"X-Token": "abc", "Accept": "application/json"},
        "body": '{"ping": true}',
        "follow_redirects": False,
        "verify_tls": False,
        "interval_seconds": 30,
        "timeout_seconds": 2.5,
        "regions": ["eu-west", "us-east"],
        "expected_status": [200, "2XX", "300-399"],
        "keyword": "ok",
        "keyword_mode": "absent",
        "json_path": "$.status",
        "json_expected": {"nested": [1, 2]},
        "max_response_time_ms": 1500,
        "failure_threshold": 5,
        "recovery_threshold": 1,
    }

    created = (await client.post(MONITORS, json=body, headers=alice)).json()
    fetched = (await client.get(f"{MONITORS}/{created['id']}", headers=alice)).json()

    assert fetched == created
    expected = {**body, "method": "POST", "expected_status": ["200", "2xx", "300-399"]}
    assert {key: fetched[key] for key in body} == expected


async def test_it_lists_monitors_by_id_with_limit_and_offset(
    client: httpx.AsyncClient, alice: dict[str, str], create_monitor: Create
) -> None:
    ids = [(await create_monitor(alice, name=f"m{i}"))["id"] for i in range(5)]

    everything = await client.get(MONITORS, headers=alice)
    page = await client.get(MONITORS, params={"limit": 2, "offset": 1}, headers=alice)
    too_many = await client.get(MONITORS, params={"limit": 1001}, headers=alice)
    huge_offset = await client.get(MONITORS, params={"offset": 2**63}, headers=alice)

    assert [m["id"] for m in everything.json()] == ids
    assert [m["id"] for m in page.json()] == ids[1:3]
    assert too_many.status_code == huge_offset.status_code == 422
    assert too_many.json()["details"][0]["field"] == "limit"


async def test_it_lists_with_one_query_however_many_monitors(
    client: httpx.AsyncClient, alice: dict[str, str], create_monitor: Create, engine: AsyncEngine
) -> None:
    for i in range(5):
        await create_monitor(alice, name=f"m{i}")
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await client.get(MONITORS, headers=alice)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)

    monitor_queries = [s for s in statements if "FROM monitors" in s]
    assert len(monitor_queries) == 1
    assert "monitor_states" in monitor_queries[0]


async def test_it_shows_the_state_the_ingester_decided(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    checked = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    async with sessions() as session:
        await session.execute(update(MonitorState).values(status="down", last_checked_at=checked))
        await session.commit()

    fetched = (await client.get(f"{MONITORS}/{monitor['id']}", headers=alice)).json()

    assert fetched["status"] == "down"
    assert datetime.fromisoformat(fetched["last_checked_at"]) == checked


async def test_it_patches_only_the_fields_sent_and_stamps_updated_at(
    client: httpx.AsyncClient, alice: dict[str, str], create_monitor: Create
) -> None:
    monitor = await create_monitor(alice, keyword="ok", max_response_time_ms=500)
    await asyncio.sleep(0.01)

    response = await client.patch(
        f"{MONITORS}/{monitor['id']}",
        json={"name": "Renamed", "keyword": None, "max_response_time_ms": None},
        headers=alice,
    )

    assert response.status_code == 200
    patched = response.json()
    assert (patched["name"], patched["keyword"], patched["max_response_time_ms"]) == (
        "Renamed",
        None,
        None,
    )
    assert patched["url"] == monitor["url"]
    assert _t(patched["updated_at"]) > _t(monitor["updated_at"])
    assert patched["created_at"] == monitor["created_at"]


async def test_pause_and_resume_change_status_and_updated_at(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    url = f"{MONITORS}/{monitor['id']}"
    async with sessions() as session:
        await session.execute(update(MonitorState).values(status="down", consecutive_failures=7))
        await session.commit()

    await asyncio.sleep(0.01)
    paused = (await client.post(f"{url}/pause", headers=alice)).json()
    await asyncio.sleep(0.01)
    resumed = (await client.post(f"{url}/resume", headers=alice)).json()

    assert paused["status"] == "paused"
    assert _t(paused["updated_at"]) > _t(monitor["updated_at"])
    assert (await client.get(url, headers=alice)).json()["status"] == "pending"
    assert resumed["status"] == "pending"
    assert _t(resumed["updated_at"]) > _t(paused["updated_at"])
    async with sessions() as session:
        state = await session.get(MonitorState, monitor["id"])
        assert state is not None
        assert (state.consecutive_failures, state.consecutive_successes) == (0, 0)


async def test_pausing_twice_is_harmless(
    client: httpx.AsyncClient, alice: dict[str, str], create_monitor: Create
) -> None:
    monitor = await create_monitor(alice)

    for _ in range(2):
        response = await client.post(f"{MONITORS}/{monitor['id']}/pause", headers=alice)
        assert (response.status_code, response.json()["status"]) == (200, "paused")


async def test_delete_removes_the_monitor_and_everything_recorded_about_it(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    doomed, kept = (await create_monitor(alice))["id"], (await create_monitor(alice))["id"]
    now = datetime.now(UTC).replace(microsecond=0)
    async with sessions() as session:
        for monitor_id in (doomed, kept):
            await _record_history(session, monitor_id, now)
        await session.commit()

    response = await client.delete(f"{MONITORS}/{doomed}", headers=alice)

    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(f"{MONITORS}/{doomed}", headers=alice)).status_code == 404
    async with sessions() as session:
        for model in RECORD_MODELS:
            ids = set(await session.scalars(select(model.monitor_id)))
            assert ids == {kept}, model.__tablename__
        assert await session.scalar(select(func.count()).select_from(Check)) == 1


async def _record_history(session: Any, monitor_id: int, now: datetime) -> None:
    await session.execute(
        insert(Check).values(
            monitor_id=monitor_id, region="eu-west", due_at=now, checked_at=now, up=False
        )
    )
    for model in ROLLUP_MODELS.values():
        await session.execute(
            insert(model).values(
                monitor_id=monitor_id,
                bucket_start=now,
                count=1,
                failures=1,
                rt_count=0,
                rt_sum=0.0,
                histogram="",
            )
        )
    await session.execute(
        insert(Incident).values(monitor_id=monitor_id, status="open", started_at=now)
    )
    await session.execute(insert(OutboxEvent).values(type="down", monitor_id=monitor_id, at=now))
