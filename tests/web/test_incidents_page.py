"""The incidents page: open ones first, filters, acknowledging from the dashboard."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from api.conftest import CreateMonitor, Headers
from betteruptime.db.models import DeliveryAttempt, Incident, Notification, OutboxEvent
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from web.conftest import OpenBrowser, post_form


async def add_incident(
    sessions: SessionFactory,
    monitor_id: int,
    *,
    hours_ago: float,
    now: datetime | None = None,
    **fields: Any,
) -> int:
    started = (now or utcnow()) - timedelta(hours=hours_ago)
    async with sessions() as session, session.begin():
        incident = Incident(monitor_id=monitor_id, started_at=started, **fields)
        session.add(incident)
        await session.flush()
        return incident.id


async def get_incident(sessions: SessionFactory, incident_id: int) -> Incident:
    async with sessions() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        return incident


def listed_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'<a href="/incidents/(\d+)">', page)]


@pytest.fixture
async def open_incident(
    alice: Headers, create_monitor: CreateMonitor, sessions: SessionFactory
) -> int:
    """An open incident of Alice's monitor "Alice private", started an hour ago."""
    monitor = await create_monitor(alice, name="Alice private")
    return await add_incident(sessions, monitor["id"], hours_ago=1, status="open")


async def test_open_incidents_come_first_with_their_monitor_cause_and_duration(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    shop = await create_monitor(alice, name="Shop")
    api = await create_monitor(alice, name="Public API")
    now = utcnow()
    old = await add_incident(
        sessions, shop["id"], hours_ago=50, now=now, status="resolved", cause="HTTP 502",
        resolved_at=now - timedelta(hours=47),
    )  # fmt: skip
    ongoing = await add_incident(sessions, api["id"], hours_ago=30, status="open", cause="timeout")
    recent = await add_incident(
        sessions, shop["id"], hours_ago=2, status="resolved", resolved_at=utcnow()
    )
    browser = await open_browser("alice@example.com")

    page = (await browser.get("/incidents")).text

    assert listed_ids(page) == [ongoing, recent, old]
    assert "Public API" in page and "Shop" in page and "HTTP 502" in page
    assert "lasted 3 h" in page and "ongoing for 1 d 6 h" in page
    assert "not acknowledged" in page
    assert page.count(">Acknowledge</button>") == 1
    assert f'action="/incidents/{ongoing}/acknowledge"' in page
    assert 'href="/incidents" aria-current="page"' in page  # the nav link

    open_only = (await browser.get("/incidents?status=open")).text
    resolved_only = (await browser.get("/incidents?status=resolved")).text
    assert listed_ids(open_only) == [ongoing]
    assert listed_ids(resolved_only) == [recent, old]
    assert listed_ids((await browser.get("/incidents?status=bogus")).text) == listed_ids(page)


async def test_acknowledging_from_the_list_stamps_it_and_tells_the_channels(
    open_browser: OpenBrowser, sessions: SessionFactory, open_incident: int
) -> None:
    incident_id = open_incident
    browser = await open_browser("alice@example.com")

    acked = await post_form(
        browser,
        "/incidents?status=open",
        f"/incidents/{incident_id}/acknowledge",
        next="/incidents?status=open",
    )

    assert acked.status_code == 303 and acked.headers["location"] == "/incidents?status=open"
    assert (await get_incident(sessions, incident_id)).acknowledged_at is not None
    async with sessions() as session:
        event_types = (await session.scalars(select(OutboxEvent.type))).all()
    assert "acknowledged" in event_types
    page = (await browser.get("/incidents?status=open")).text
    assert f"Incident #{incident_id} acknowledged" in page
    assert ">Acknowledge</button>" not in page and ">acknowledged</span>" in page


async def test_acknowledging_from_the_incident_page_returns_there(
    open_browser: OpenBrowser, sessions: SessionFactory, open_incident: int
) -> None:
    incident_id = open_incident
    browser = await open_browser("alice@example.com")
    page = f"/incidents/{incident_id}"
    assert ">Acknowledge</button>" in (await browser.get(page)).text

    acked = await post_form(browser, page, f"{page}/acknowledge")

    assert acked.headers["location"] == page
    shown = (await browser.get(page)).text
    assert ">Acknowledge</button>" not in shown and ", acknowledged " in shown


async def test_a_resolved_incident_cannot_be_acknowledged_and_says_why(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    incident_id = await add_incident(
        sessions, monitor["id"], hours_ago=1, status="resolved", resolved_at=utcnow()
    )
    browser = await open_browser("alice@example.com")

    refused = await post_form(browser, "/incidents", f"/incidents/{incident_id}/acknowledge")

    assert refused.status_code == 303
    assert "was resolved before anyone acknowledged it" in (await browser.get("/incidents")).text
    assert (await get_incident(sessions, incident_id)).acknowledged_at is None


@pytest.mark.parametrize("incident", ["alices", "missing", "garbage"])
async def test_another_users_incident_looks_missing(
    open_browser: OpenBrowser, sessions: SessionFactory, open_incident: int, incident: str
) -> None:
    alices = open_incident
    incident_id = {"alices": str(alices), "missing": "999999", "garbage": "x1"}[incident]
    bob = await open_browser("bob@example.com")
    assert "Alice private" not in (await bob.get("/incidents")).text

    refused = await post_form(bob, "/incidents", f"/incidents/{incident_id}/acknowledge")

    assert refused.status_code == 404 and "Alice private" not in refused.text
    assert (await get_incident(sessions, alices)).acknowledged_at is None


async def test_acknowledging_needs_the_csrf_token(
    open_browser: OpenBrowser, sessions: SessionFactory, open_incident: int
) -> None:
    incident_id = open_incident
    browser = await open_browser("alice@example.com")

    refused = await browser.post(f"/incidents/{incident_id}/acknowledge")

    assert refused.status_code == 403
    assert (await get_incident(sessions, incident_id)).acknowledged_at is None


async def test_names_and_causes_are_escaped(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice, name="<script>alert(1)</script>")
    await add_incident(sessions, monitor["id"], hours_ago=1, status="open", cause="<img src=x>")
    page = (await (await open_browser("alice@example.com")).get("/incidents")).text
    assert "<script>alert(1)</script>" not in page and "<img src=x>" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x&gt;" in page


async def test_the_page_reads_its_lists_in_a_few_queries(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
    engine: AsyncEngine,
) -> None:
    for number in range(6):
        monitor = await create_monitor(alice, name=f"Monitor {number}")
        for status in ("open", "resolved"):
            await add_incident(sessions, monitor["id"], hours_ago=number + 1, status=status)
    browser = await open_browser("alice@example.com")
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        page = (await browser.get("/incidents")).text
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)

    assert len(listed_ids(page)) == 12
    # The user, their organizations (and role: the one shown), open ones, resolved ones.
    assert len(statements) <= 5, statements


async def test_the_timeline_shows_a_message_that_failed_for_good_and_why(
    open_browser: OpenBrowser,
    sessions: SessionFactory,
    open_incident: int,
    alice: Headers,
    create_channel: CreateMonitor,
) -> None:
    channel = await create_channel(alice, name="Ops hook")
    async with sessions() as session, session.begin():
        refused = Notification(
            channel_id=channel["id"],
            key="event:1",
            kind="down",
            incident_id=open_incident,
            payload={},
            status="failed",
            attempts=1,
            next_attempt_at=utcnow(),
            last_error="HTTP 404 Not Found",
        )
        session.add(refused)
        await session.flush()
        now = utcnow()
        session.add(
            DeliveryAttempt(
                notification_id=refused.id,
                attempt=1,
                started_at=now,
                finished_at=now,
                ok=False,
                error="HTTP 404 Not Found",
                permanent=True,
            )
        )
    browser = await open_browser("alice@example.com")

    page = (await browser.get(f"/incidents/{open_incident}")).text

    assert "down message to Ops hook" in page
    assert ">failed for good</span>" in page
    assert "failed for good, not retried: HTTP 404 Not Found" in page
