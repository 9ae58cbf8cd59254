"""A monitor's page, its chart data, the pause/resume/delete forms and incident pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from api.conftest import CreateMonitor, Headers
from betteruptime.db.models import Check, Incident, RollupDay, RollupHour
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.domain.rollups import bucket_start
from web.conftest import (
    OpenBrowser,
    add_rollup,
    make_old,
    monitor_paused,
    post_form,
    set_status,
)


async def test_another_users_monitor_page_is_a_404_page_like_a_missing_one(
    open_browser: OpenBrowser, alice: Headers, create_monitor: CreateMonitor
) -> None:
    monitor = await create_monitor(alice, name="Alice private")
    bob = await open_browser("bob@example.com")
    for path in (f"/monitors/{monitor['id']}", "/monitors/999999", "/monitors/abc"):
        page = await bob.get(path)
        assert page.status_code == 404, path
        assert "<title>Not found · BetterUptime</title>" in page.text
        assert "Alice private" not in page.text
    chart = await bob.get(f"/monitors/{monitor['id']}/chart")
    # The chart's data is read by a script: a JSON 404, not the page.
    assert chart.status_code == 404 and chart.json() == {"error": "not_found"}
    refused = await post_form(bob, "/", f"/monitors/{monitor['id']}/delete")
    assert refused.status_code == 404
    assert (await (await open_browser("alice@example.com")).get("/")).text.count("Alice private")


async def test_the_monitor_page_shows_uptime_checks_incidents_and_90_daily_bars(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice, name="Checkout", url="https://pay.example/")
    monitor_id, now = monitor["id"], utcnow()
    await set_status(sessions, monitor_id, "down", last_error="connection refused")
    day = bucket_start(now, "day")
    await add_rollup(sessions, RollupDay, monitor_id, day - timedelta(days=3), ok=90, failed=10)
    await add_rollup(sessions, RollupHour, monitor_id, bucket_start(now, "hour"), ok=4, ms=250)
    async with sessions() as session, session.begin():
        session.add(
            Check(
                monitor_id=monitor_id,
                due_at=now,
                region="eu-west",
                checked_at=now,
                up=False,
                error="connection refused",
            )
        )
        incident = Incident(monitor_id=monitor_id, status="open", started_at=now, cause="HTTP 502")
        session.add(incident)
        await session.flush()
        incident_id = incident.id
    browser = await open_browser("alice@example.com")

    page = (await browser.get(f"/monitors/{monitor_id}")).text

    assert "<title>Checkout (down) · BetterUptime</title>" in page
    assert "https://pay.example/" in page and "connection refused" in page
    bars = re.findall(r'<span class="day level-(\w+)" title="([^"]+)"', page)
    assert len(bars) == 90
    level, tooltip = bars[-4]
    assert level == "bad" and tooltip.endswith(": 90.00 % up (10 of 100 checks failed)")
    assert bars[0][0] == "none" and bars[0][1].endswith("no data")
    assert "250 ms" in page  # the 24 h average, from the hour rollup
    assert f'href="/incidents/{incident_id}"' in page and "HTTP 502" in page
    assert 'id="chart"' in page and 'data-chart-src="/monitors/' in page
    for action in ("pause", "delete"):
        assert f'action="/monitors/{monitor_id}/{action}"' in page


@pytest.mark.parametrize(
    ("range_name", "points"), [("1h", 60), ("24h", 24), ("7d", 168), ("30d", 30), ("90d", 90)]
)
async def test_chart_data_has_every_bucket_of_the_range_and_nulls_where_none(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
    range_name: str,
    points: int,
) -> None:
    monitor = await create_monitor(alice)
    await make_old(sessions, monitor["id"], timedelta(days=100))
    now = utcnow()
    await add_rollup(sessions, RollupHour, monitor["id"], bucket_start(now, "hour"), ok=3, ms=80)
    await add_rollup(sessions, RollupDay, monitor["id"], bucket_start(now, "day"), ok=3, ms=90)
    browser = await open_browser("alice@example.com")

    response = await browser.get(f"/monitors/{monitor['id']}/chart", params={"range": range_name})

    data = response.json()
    assert data["range"] == range_name
    assert len(data["t"]) == len(data["avg"]) == len(data["p95"]) == points
    assert data["t"] == sorted(data["t"])
    # The newest bucket is the current one (the request may fall a moment after `now`).
    assert data["t"][-1] - 86400 <= now.timestamp() <= data["t"][-1] + 86400
    expected = {"1h": [], "24h": [80.0], "7d": [80.0], "30d": [90.0], "90d": [90.0]}[range_name]
    assert [value for value in data["avg"] if value is not None] == expected
    assert data["avg"][0] is None


async def test_an_unknown_chart_range_is_a_400_naming_the_ranges(
    open_browser: OpenBrowser, alice: Headers, create_monitor: CreateMonitor
) -> None:
    monitor = await create_monitor(alice)
    browser = await open_browser("alice@example.com")
    response = await browser.get(f"/monitors/{monitor['id']}/chart", params={"range": "1y"})
    assert response.status_code == 400
    assert "1h, 24h, 7d, 30d, 90d" in response.json()["error"]


async def test_pause_resume_and_delete_through_the_forms(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    page = f"/monitors/{monitor['id']}"
    browser = await open_browser("alice@example.com")

    paused = await post_form(browser, page, f"{page}/pause")
    assert paused.status_code == 303 and paused.headers["location"] == page
    assert await monitor_paused(sessions, monitor["id"]) is True
    assert "Resume" in (await browser.get(page)).text

    await post_form(browser, page, f"{page}/resume")
    assert await monitor_paused(sessions, monitor["id"]) is False

    deleted = await post_form(browser, page, f"{page}/delete")
    assert deleted.headers["location"] == "/"
    assert await monitor_paused(sessions, monitor["id"]) is None
    assert (await browser.get(page)).status_code == 404


async def test_the_incident_page_tells_the_timeline_and_only_to_the_owner(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice, name="Checkout")
    started = utcnow() - timedelta(minutes=10)
    async with sessions() as session, session.begin():
        incident = Incident(
            monitor_id=monitor["id"],
            status="resolved",
            started_at=started,
            confirmed_at=started + timedelta(minutes=1),
            resolved_at=started + timedelta(minutes=5),
            cause="connection refused",
        )
        session.add(incident)
        await session.flush()
        incident_id = incident.id
    alice_browser = await open_browser("alice@example.com")

    page = (await alice_browser.get(f"/incidents/{incident_id}")).text

    assert f"<title>Incident #{incident_id} (resolved) · BetterUptime</title>" in page
    steps = re.findall(r"<strong>([^<]+)</strong>", page)
    assert steps == ["First failure", "Confirmed", "Resolved"]
    assert "connection refused" in page and "Checkout" in page
    bob_browser = await open_browser("bob@example.com")
    assert (await bob_browser.get(f"/incidents/{incident_id}")).status_code == 404


async def test_a_domain_monitors_page_shows_its_registration_from_the_latest_answer(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(
        alice, name="Shop domain", kind="domain", url="domain://shop.example.com"
    )
    monitor_id, now = monitor["id"], utcnow()
    expires = now + timedelta(days=40, hours=2)
    await set_status(sessions, monitor_id, "up", domain_expires_at=expires)
    details = {
        "domain": "example.com",
        "expires_at": expires.isoformat(),
        "registrar": "<b>Registrar</b> & Co",
        "rdap_url": "https://rdap.example/domain/example.com",
    }
    async with sessions() as session, session.begin():
        session.add(
            Check(
                monitor_id=monitor_id,
                due_at=now,
                region="eu",
                checked_at=now,
                up=True,
                details=details,
            )
        )
    browser = await open_browser("alice@example.com")

    page = (await browser.get(f"/monitors/{monitor_id}")).text

    assert "Domain example.com:" in page
    assert (
        f'registered until <time datetime="{expires.isoformat().replace("+00:00", "Z")}">' in page
    )
    assert "(40 days left), registrar &lt;b&gt;Registrar&lt;/b&gt; &amp; Co" in page


async def test_an_http_monitor_watching_its_domain_says_when_nothing_was_read_yet(
    open_browser: OpenBrowser, alice: Headers, create_monitor: CreateMonitor
) -> None:
    watching = await create_monitor(
        alice, url="https://www.shop.example.co.uk/", domain_expiry_days=30
    )
    plain = await create_monitor(alice, url="https://plain.example/")
    browser = await open_browser("alice@example.com")

    page = (await browser.get(f"/monitors/{watching['id']}")).text
    other = (await browser.get(f"/monitors/{plain['id']}")).text

    assert "Domain example.co.uk:" in page and "expiry date not read yet" in page
    assert "Domain " not in other
