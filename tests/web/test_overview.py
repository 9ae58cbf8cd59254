"""The overview: only the user's monitors, their statuses, rollup-based figures, filters,
the live fragment, and a fixed number of queries however many monitors there are."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from api.conftest import CreateMonitor, Headers
from betteruptime.db.models import DeadLetter, RollupDay, RollupHour, RollupMinute
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.domain.rollups import bucket_start
from web.conftest import OpenBrowser, add_rollup, set_status


def _rows(html: str) -> dict[str, str]:
    """Monitor id -> status, as rendered in the list."""
    return dict(re.findall(r'data-monitor-id="(\d+)" data-status="(\w+)"', html))


async def test_the_overview_lists_only_the_users_monitors_with_their_statuses(
    open_browser: OpenBrowser,
    client: httpx.AsyncClient,
    alice: Headers,
    bob: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    up = await create_monitor(alice, name="Alice shop", url="https://shop.example/")
    down = await create_monitor(alice, name="Alice API", url="https://api.example/")
    paused = await create_monitor(alice, name="Alice blog", url="https://blog.example/")
    pending = await create_monitor(alice, name="Alice docs", url="https://docs.example/")
    theirs = await create_monitor(bob, name="Bob secret", url="https://bob.example/")
    await set_status(sessions, up["id"], "up", last_checked_at=utcnow())
    await set_status(sessions, down["id"], "down", last_error="connection refused")
    await set_status(sessions, paused["id"], "up")
    paused_call = await client.post(f"/api/v1/monitors/{paused['id']}/pause", headers=alice)
    assert paused_call.status_code == 200, paused_call.text
    browser = await open_browser("alice@example.com")

    page = (await browser.get("/")).text

    expected = {
        up["id"]: "up",
        down["id"]: "down",
        paused["id"]: "paused",
        pending["id"]: "pending",
    }
    assert _rows(page) == {str(k): v for k, v in expected.items()}
    assert "Bob secret" not in page and str(theirs["id"]) not in _rows(page)
    assert "https://shop.example/" in page and "connection refused" in page
    # Down first: what needs attention is at the top.
    assert next(iter(_rows(page))) == str(down["id"])
    assert "<title>(1 down) Monitors · BetterUptime</title>" in page


async def test_uptime_and_sparkline_come_from_the_rollups(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    now = utcnow()
    hour, day = bucket_start(now, "hour"), bucket_start(now, "day")
    await add_rollup(sessions, RollupHour, monitor["id"], hour, ok=99, failed=1, ms=120)
    await add_rollup(sessions, RollupHour, monitor["id"], hour - timedelta(hours=1), ok=100)
    await add_rollup(sessions, RollupHour, monitor["id"], hour - timedelta(days=2), ok=0, failed=9)
    await add_rollup(sessions, RollupDay, monitor["id"], day, ok=990, failed=10)
    await add_rollup(sessions, RollupDay, monitor["id"], day - timedelta(days=45), ok=0, failed=9)
    browser = await open_browser("alice@example.com")

    page = (await browser.get("/")).text

    assert "99.50 %" in page  # 24 h: 199 of 200; the hour two days ago is left out
    assert "99.00 %" in page  # 30 days: 990 of 1000; the day 45 days ago is left out
    assert '<svg viewBox="0 0 120 28"' in page and "no data yet" not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "down"}, ["Checkout"]),
        ({"status": "up"}, ["Search", "Shop front"]),
        ({"q": "SHOP"}, ["Shop front"]),
        ({"q": "search.example"}, ["Search"]),
        ({"status": "paused"}, []),
        ({"status": "nonsense"}, ["Checkout", "Search", "Shop front"]),
    ],
)
async def test_filters_by_status_and_searches_by_name_or_url(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
    query: dict[str, str],
    expected: list[str],
) -> None:
    for name, url, status in [
        ("Shop front", "https://shop.example/", "up"),
        ("Checkout", "https://pay.example/", "down"),
        ("Search", "https://search.example/", "up"),
    ]:
        monitor = await create_monitor(alice, name=name, url=url)
        await set_status(sessions, monitor["id"], status)
    browser = await open_browser("alice@example.com")

    page = (await browser.get("/", params=query)).text

    assert re.findall(r'<span class="name">([^<]+)</span>', page) == expected
    if not expected:
        assert "No monitors match" in page


async def test_an_htmx_request_gets_only_the_live_list_and_a_full_load_the_page(
    open_browser: OpenBrowser, alice: Headers, create_monitor: CreateMonitor
) -> None:
    await create_monitor(alice, name="Shop front")
    browser = await open_browser("alice@example.com")

    fragment = await browser.get("/", params={"q": "shop"}, headers={"HX-Request": "true"})
    page = await browser.get("/", params={"q": "shop"})

    assert fragment.text.lstrip().startswith("<title>Monitors · BetterUptime</title>")
    assert '<section id="monitor-list"' in fragment.text
    assert "<html" not in fragment.text and "Shop front" in fragment.text
    assert 'hx-trigger="every 3s"' in fragment.text and 'hx-include="#filters"' in fragment.text
    assert "<html" in page.text and 'value="shop"' in page.text
    assert fragment.headers["Vary"] == "HX-Request"
    restored = await browser.get(
        "/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restored.text


async def test_a_new_user_sees_how_to_add_a_first_monitor(open_browser: OpenBrowser) -> None:
    page = (await (await open_browser("new@example.com")).get("/")).text
    assert "No monitors yet" in page and "/api/v1/monitors" in page


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_the_overview_costs_the_same_few_queries_for_2_or_40_monitors(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
    statements: list[str],
) -> None:
    browser = await open_browser("alice@example.com")
    counts = []
    for total in (2, 40):
        while len(_rows((await browser.get("/")).text)) < total:
            monitor = await create_monitor(alice)
            now = utcnow()
            await add_rollup(sessions, RollupHour, monitor["id"], bucket_start(now, "hour"), ok=5)
            await add_rollup(sessions, RollupDay, monitor["id"], bucket_start(now, "day"), ok=5)
        statements.clear()
        await browser.get("/")
        counts.append(len(statements))
    # The user; their organizations (the one shown, with their role); monitors with
    # states and tags; 24 h of hours; 30 days of days; the regions with a live worker;
    # the windows in maintenance; the minutes of monitors younger than an hour (these
    # are); alerts the notifier set aside.
    assert counts[0] == counts[1] <= 9, statements


async def test_a_young_monitors_sparkline_shows_its_answers_since_it_began(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice, name="Fresh")
    minute = bucket_start(utcnow(), "minute")
    await add_rollup(sessions, RollupMinute, monitor["id"], minute, ok=2, ms=80)
    browser = await open_browser("alice@example.com")

    page = (await browser.get("/")).text

    began = bucket_start(datetime.fromisoformat(monitor["created_at"]), "minute")
    assert f"<title>Response time since {began:%H:%M} UTC</title>" in page
    assert '<path d="M2.0 14.0 H118.0"/>' in page  # its one answer, a level line
    assert "no data yet" not in page


async def test_alerts_the_notifier_set_aside_show_on_their_owners_overview_only(
    open_browser: OpenBrowser,
    alice: Headers,
    bob: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    mine = await create_monitor(alice, name="Alice backup", url="https://backup.example/")
    theirs = await create_monitor(bob, name="Bob secret", url="https://bob.example/")
    reason = "cannot plan the event: ZoneInfoNotFoundError: 'No time zone found'"
    async with sessions() as session, session.begin():
        session.add_all(
            [
                DeadLetter(
                    entry_id="5-0",
                    event_type="down",
                    monitor_id=mine["id"],
                    body="{}",
                    reason=reason,
                ),
                DeadLetter(
                    entry_id="6-0",
                    event_type="down",
                    monitor_id=theirs["id"],
                    body="{}",
                    reason="cannot plan the event: Bob's reason",
                ),
                # Names no monitor: only /healthz counts it.
                DeadLetter(entry_id="7-0", body="garbage", reason="cannot decode the event"),
                # Older than the 24 hours shown.
                DeadLetter(
                    entry_id="1-0",
                    monitor_id=mine["id"],
                    body="{}",
                    reason="long ago",
                    created_at=utcnow() - timedelta(days=2),
                ),
            ]
        )
    alice_page = (await (await open_browser("alice@example.com")).get("/")).text
    bob_page = (await (await open_browser("bob@example.com")).get("/")).text
    fresh_page = (await (await open_browser("carol@example.com")).get("/")).text

    assert "1 alert of your monitors could not be sent" in alice_page
    assert f'href="/monitors/{mine["id"]}">Alice backup</a>, down:' in alice_page
    assert "ZoneInfoNotFoundError: &#39;No time zone found&#39;" in alice_page
    assert "Bob" not in alice_page and "long ago" not in alice_page
    assert "cannot decode" not in alice_page
    assert "1 alert of your monitors could not be sent" in bob_page
    assert "Alice" not in bob_page
    assert "could not be sent" not in fresh_page
