"""/healthz answers for the database, without authentication, and reports each engine
from what the database knows (and, in embedded mode, from the roles' tasks)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from api.test_regions import beat
from betteruptime.api.routers import health
from betteruptime.db.models import (
    Channel,
    DeadLetter,
    MonitorState,
    Notification,
    OutboxEvent,
    SchedulerCursor,
    User,
)
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.runtime.app import create_app
from betteruptime.runtime.embedded import RoleTasks
from betteruptime.services.engine_health import RoleLiveness
from betteruptime.services.organizations import create_personal_organization
from betteruptime.settings import Settings
from conftest import MonitorFactory

ALL_ROLES = ("scheduler", "worker", "ingester", "sweeper", "heartbeats", "notifier")


async def healthz(
    settings: Settings, sessions: SessionFactory, roles: RoleLiveness | None = None
) -> httpx.Response:
    app = create_app(settings, sessions, roles=roles)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/healthz")


async def set_cursor(sessions: SessionFactory, *, age_s: float) -> None:
    async with sessions() as session, session.begin():
        updated = utcnow() - timedelta(seconds=age_s)
        session.add(
            SchedulerCursor(name="default", published_until=0.0, leader="s1", updated_at=updated)
        )


async def set_last_check(sessions: SessionFactory, monitor_id: int, *, age_s: float) -> None:
    async with sessions() as session, session.begin():
        state = await session.get(MonitorState, monitor_id)
        assert state is not None
        state.last_checked_at = utcnow() - timedelta(seconds=age_s)


async def add_due_notification(sessions: SessionFactory, *, age_s: float, **fields: Any) -> None:
    """A pending notification due `age_s` ago (negative: due later)."""
    async with sessions() as session, session.begin():
        user = User(email=f"n{age_s}@example.com", password_hash="x")
        session.add(user)
        await session.flush()
        organization = await create_personal_organization(session, user=user)
        channel = Channel(organization_id=organization.id, name="hook", url="json://example.com/")
        session.add(channel)
        await session.flush()
        session.add(
            Notification(
                channel_id=channel.id,
                key=f"event:{age_s}",
                kind="down",
                payload={},
                status="pending",
                next_attempt_at=utcnow() - timedelta(seconds=age_s),
                **fields,
            )
        )


async def test_it_reports_ok_when_the_database_answers_and_nothing_ran_yet(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    engines = body["engines"]
    assert engines["database"] == "ok"
    assert engines["workers"] == {"state": "unknown", "regions": {}}
    assert engines["scheduler"]["state"] == engines["ingester"]["state"] == "unknown"
    assert engines["notifier"] == {
        "state": "ok",
        "pending": 0,
        "retrying": 0,
        "oldest_pending_seconds": None,
        "unplanned_events": 0,
        "oldest_unplanned_seconds": None,
        "dead_letters": 0,
        "last_dead_letter_at": None,
    }


async def test_it_reports_every_engine_ok_when_each_left_a_recent_trace(
    settings: Settings, sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor(interval_seconds=60, regions=["eu"])
    await beat(sessions, "w1", "eu", age_s=1, checked=10, missed=0)
    await set_cursor(sessions, age_s=2)
    await set_last_check(sessions, monitor_id, age_s=3)
    await add_due_notification(sessions, age_s=4)

    response = await healthz(settings, sessions)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    engines = body["engines"]
    assert engines["workers"]["regions"]["eu"]["state"] == "ok"
    assert engines["workers"]["regions"]["eu"]["live"] == 1
    assert {engines[name]["state"] for name in ("workers", "scheduler", "ingester")} == {"ok"}
    assert engines["scheduler"]["last_published_at"] is not None
    assert engines["notifier"]["pending"] == 1
    assert 3.5 < engines["notifier"]["oldest_pending_seconds"] < 60


async def test_stale_engines_make_it_degraded_but_still_200(
    settings: Settings, sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor(interval_seconds=60)
    await beat(sessions, "w1", "eu", age_s=300, checked=10, missed=0)  # went quiet
    await set_cursor(sessions, age_s=600)  # > 60 s interval + 60 s slack
    await set_last_check(sessions, monitor_id, age_s=300)
    await add_due_notification(sessions, age_s=900)

    response = await healthz(settings, sessions)

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("degraded", "ok")
    engines = body["engines"]
    assert engines["workers"]["regions"]["eu"] == {
        "state": "stale",
        "live": 0,
        "last_seen_at": engines["workers"]["regions"]["eu"]["last_seen_at"],
        "monitors": 0,
    }
    for name in ("workers", "scheduler", "ingester", "notifier"):
        assert engines[name]["state"] == "stale", name


async def add_dead_letter(sessions: SessionFactory, *, age_s: float) -> None:
    async with sessions() as session, session.begin():
        session.add(
            DeadLetter(
                entry_id="1-0",
                body="not json",
                reason="cannot decode the event: Event: body: Invalid JSON",
                created_at=utcnow() - timedelta(seconds=age_s),
            )
        )


async def test_a_recent_dead_letter_makes_the_notifier_degraded_and_an_old_one_does_not(
    settings: Settings, sessions: SessionFactory
) -> None:
    await add_dead_letter(sessions, age_s=25 * 3600)  # older than the 24 h shown

    old = (await healthz(settings, sessions)).json()
    assert old["status"] == "ok"
    assert old["engines"]["notifier"]["state"] == "ok"
    assert old["engines"]["notifier"]["dead_letters"] == 0

    await add_dead_letter(sessions, age_s=60)
    await add_dead_letter(sessions, age_s=30)
    response = await healthz(settings, sessions)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    notifier = body["engines"]["notifier"]
    assert (notifier["state"], notifier["dead_letters"]) == ("degraded", 2)
    assert notifier["last_dead_letter_at"] is not None


async def add_event(sessions: SessionFactory, *, age_s: float, planned: bool) -> None:
    decided = utcnow() - timedelta(seconds=age_s)
    async with sessions() as session, session.begin():
        session.add(
            OutboxEvent(
                type="down",
                monitor_id=1,
                at=decided,
                created_at=decided,
                published_at=decided,
                planned_at=decided if planned else None,
            )
        )


async def test_an_event_no_notifier_planned_for_five_minutes_makes_the_notifier_stale(
    settings: Settings, sessions: SessionFactory
) -> None:
    await add_event(sessions, age_s=3600, planned=True)
    await add_event(sessions, age_s=20, planned=False)

    fresh = (await healthz(settings, sessions)).json()["engines"]["notifier"]
    assert (fresh["state"], fresh["unplanned_events"]) == ("ok", 1)
    assert 19 < fresh["oldest_unplanned_seconds"] < 60

    await add_event(sessions, age_s=400, planned=False)
    body = (await healthz(settings, sessions)).json()
    assert body["status"] == "degraded"
    stuck = body["engines"]["notifier"]
    assert (stuck["state"], stuck["unplanned_events"], stuck["pending"]) == ("stale", 2, 0)


async def test_pending_counts_deliveries_waiting_for_a_retry_and_those_behind_them(
    settings: Settings, sessions: SessionFactory
) -> None:
    await add_due_notification(sessions, age_s=-60, attempts=2)  # its retry is in a minute
    await add_due_notification(sessions, age_s=-59, blocked_by=1)  # waits behind it
    await add_due_notification(sessions, age_s=-300, escalation=True)  # pages in 5 minutes

    notifier = (await healthz(settings, sessions)).json()["engines"]["notifier"]

    assert notifier == {
        "state": "ok",
        "pending": 2,
        "retrying": 1,
        "oldest_pending_seconds": None,  # nothing is overdue
        "unplanned_events": 0,
        "oldest_unplanned_seconds": None,
        "dead_letters": 0,
        "last_dead_letter_at": None,
    }


async def test_a_region_quiet_for_days_is_gone_and_does_not_degrade(
    settings: Settings, sessions: SessionFactory
) -> None:
    await beat(sessions, "w1", "eu", age_s=1, checked=1, missed=0)
    await beat(sessions, "w9", "ap", age_s=3 * 86400, checked=1, missed=0)  # decommissioned

    body = (await healthz(settings, sessions)).json()

    assert body["status"] == "ok"
    assert body["engines"]["workers"]["regions"]["ap"]["state"] == "gone"


async def test_a_region_monitors_are_checked_from_without_a_live_worker_degrades_workers(
    settings: Settings, sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    await beat(sessions, "w1", "eu", age_s=1, checked=1, missed=0)
    await beat(sessions, "w9", "us", age_s=3 * 86400, checked=1, missed=0)  # decommissioned
    for regions in (["eu", "ap"], ["ap"], ["eu", "us"]):
        await make_monitor(regions=regions)
    await make_monitor(regions=["sa"], paused=True)  # not checked anyway
    await make_monitor(kind="heartbeat", url=None, period_seconds=60, regions=["sa"])

    body = (await healthz(settings, sessions)).json()

    assert body["status"] == "degraded"
    workers = body["engines"]["workers"]
    assert workers["state"] == "degraded"
    assert workers["regions"]["ap"] == {
        "state": "missing",
        "live": 0,
        "last_seen_at": None,
        "monitors": 2,
    }
    assert workers["regions"]["us"]["state"] == "missing"  # gone, but still in use
    assert (workers["regions"]["eu"]["state"], workers["regions"]["eu"]["monitors"]) == ("ok", 2)
    assert "sa" not in workers["regions"]


async def test_a_paused_or_heartbeat_only_setup_leaves_the_scheduler_unknown_not_stale(
    settings: Settings, sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    # Nothing to publish: the cursor does not advance, and that is not a fault.
    await make_monitor(paused=True)
    await set_cursor(sessions, age_s=86400)

    body = (await healthz(settings, sessions)).json()

    assert body["engines"]["scheduler"]["state"] == "unknown"
    assert body["status"] == "ok"


async def test_in_embedded_mode_a_live_task_is_ok_and_an_ended_one_stopped(
    settings: Settings, sessions: SessionFactory
) -> None:
    alive = dict.fromkeys(ALL_ROLES, True)

    running = (await healthz(settings, sessions, roles=lambda: alive)).json()
    crashed = (await healthz(settings, sessions, roles=lambda: {**alive, "sweeper": False})).json()

    assert running["status"] == "ok"
    # The SQLite scheduler keeps no cursor: its running task is all there is to know.
    assert running["engines"]["scheduler"] == {
        "state": "ok",
        "last_published_at": None,
        "running": True,
    }
    assert crashed["status"] == "degraded"
    assert crashed["engines"]["ingester"]["state"] == "stopped"
    assert crashed["engines"]["ingester"]["running"] is False
    assert crashed["engines"]["notifier"]["state"] == "ok"


async def test_the_embedded_runner_reports_its_tasks_as_alive_until_they_end() -> None:
    roles = RoleTasks()
    stop = asyncio.Event()
    roles.tasks = {"scheduler": asyncio.create_task(stop.wait())}
    await asyncio.sleep(0)
    assert roles.alive() == {"scheduler": True}

    stop.set()
    await roles.tasks["scheduler"]
    assert roles.alive() == {"scheduler": False}


async def test_it_stays_200_and_degraded_when_the_engines_cannot_be_read(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(health, "read_facts", failing)

    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "engines": {"database": "ok", "error": "unavailable"},
    }


async def test_it_answers_within_the_timeout_when_the_engines_are_slow(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def hanging(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(60)

    monkeypatch.setattr(health, "read_facts", hanging)
    monkeypatch.setattr(health, "DATABASE_TIMEOUT_SECONDS", 0.2)

    response = await asyncio.wait_for(client.get("/healthz"), 5)

    assert (response.status_code, response.json()["status"]) == (200, "degraded")


async def test_it_reports_503_when_the_database_does_not_answer(settings: Settings) -> None:
    # A directory cannot be opened as a SQLite database: every query fails.
    engine = create_async_engine("sqlite+aiosqlite:////")
    app = create_app(settings, async_sessionmaker(engine))
    transport = httpx.ASGITransport(app=app)

    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/healthz")

    await engine.dispose()
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}


async def test_without_workers_a_quiet_ingester_is_unknown_not_stale(
    settings: Settings, sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    # Only heartbeat pings reach it then, as rarely as their period says.
    monitor_id = await make_monitor(kind="heartbeat", url=None, period_seconds=3600)
    await set_last_check(sessions, monitor_id, age_s=1800)

    body = (await healthz(settings, sessions)).json()

    assert body["engines"]["ingester"]["state"] == "unknown"
    assert body["status"] == "ok"
