"""The monitor page's chart data beyond rollups: a line per region and the timing
breakdown, both from raw checks, for the ranges whose raw checks are kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.conftest import CreateMonitor, Headers
from betteruptime.db.models import Check, RollupDay, RollupMinute
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.domain.rollups import Resolution, bucket_start
from betteruptime.web.charts import CHART_RANGES, has_raw_checks, opening_range
from web.conftest import OpenBrowser, add_rollup, make_old


async def add_checks(sessions: SessionFactory, monitor_id: int, *checks: dict[str, Any]) -> None:
    """Insert checks; each dict gives at least due_at and region, the rest defaults."""
    async with sessions() as session, session.begin():
        for fields in checks:
            values = {"checked_at": fields["due_at"], "up": True, **fields}
            session.add(Check(monitor_id=monitor_id, **values))


async def chart(open_browser: OpenBrowser, monitor_id: int, range_name: str) -> dict[str, Any]:
    browser = await open_browser("alice@example.com")
    response = await browser.get(f"/monitors/{monitor_id}/chart", params={"range": range_name})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def points(series: list[float | None], times: list[int]) -> dict[int, float]:
    """The non-empty buckets of a series: bucket start (epoch seconds) -> value."""
    return {moment: value for moment, value in zip(times, series, strict=True) if value is not None}


def epoch(moment: datetime, resolution: Resolution) -> int:
    return int(bucket_start(moment, resolution).timestamp())


@pytest.mark.parametrize(("range_name", "resolution"), [("1h", "minute"), ("24h", "hour")])
async def test_it_draws_one_line_per_region_from_successful_checks(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
    range_name: str,
    resolution: Resolution,
) -> None:
    monitor = await create_monitor(alice, regions=["eu-west", "us-east"])
    # At a minute's start: due + 10 s is in the same minute (and hour).
    due = bucket_start(utcnow(), "minute") - timedelta(minutes=2)
    await add_checks(
        sessions,
        monitor["id"],
        {"due_at": due, "region": "eu-west", "response_time_ms": 100.0},
        {"due_at": due + timedelta(seconds=10), "region": "eu-west", "response_time_ms": 120.0},
        {"due_at": due, "region": "us-east", "response_time_ms": 300.0},
        # A failure's response time (a timeout) is not an answer's: left out, as in rollups.
        {
            "due_at": due + timedelta(seconds=10),
            "region": "us-east",
            "up": False,
            "response_time_ms": 10000.0,
        },
    )

    data = await chart(open_browser, monitor["id"], range_name)

    assert data["raw_checks"] is True
    assert sorted(data["regions"]) == ["eu-west", "us-east"]
    for series in data["regions"].values():
        assert len(series) == len(data["t"])
    bucket = epoch(due, resolution)
    assert points(data["regions"]["eu-west"], data["t"]) == {bucket: 110.0}
    assert points(data["regions"]["us-east"], data["t"]) == {bucket: 300.0}


async def test_one_region_has_no_region_lines_as_they_would_repeat_the_average(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    due = utcnow() - timedelta(minutes=5)
    await add_checks(
        sessions, monitor["id"], {"due_at": due, "region": "default", "response_time_ms": 90.0}
    )

    data = await chart(open_browser, monitor["id"], "24h")

    assert data["regions"] == {}
    assert points(data["breakdown"]["dns"], data["t"]) == {}
    assert set(data["breakdown"]) == {"dns", "connect", "tls", "first_byte"}


async def test_the_breakdown_averages_each_phase_over_every_region_of_a_bucket(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice, regions=["eu-west", "us-east"])
    await make_old(sessions, monitor["id"])
    now = utcnow()
    recent, older = now - timedelta(minutes=1), now - timedelta(hours=3)
    timings = {"dns_ms": 10.0, "connect_ms": 20.0, "tls_ms": 30.0, "first_byte_ms": 40.0}
    await add_checks(
        sessions,
        monitor["id"],
        {"due_at": recent, "region": "eu-west", **timings},
        {"due_at": recent, "region": "us-east", **{k: v * 3 for k, v in timings.items()}},
        # No TLS figure (plain http): the TLS average is of the checks that have one.
        {"due_at": older, "region": "eu-west", **timings, "tls_ms": None},
        {"due_at": older, "region": "us-east", **timings, "tls_ms": 50.0},
        {"due_at": older + timedelta(seconds=1), "region": "us-east", "up": False, "dns_ms": 900.0},
    )

    data = await chart(open_browser, monitor["id"], "24h")

    breakdown, times = data["breakdown"], data["t"]
    assert {phase: len(series) for phase, series in breakdown.items()} == {
        "dns": 24,
        "connect": 24,
        "tls": 24,
        "first_byte": 24,
    }
    now_bucket, older_bucket = epoch(recent, "hour"), epoch(older, "hour")
    assert points(breakdown["dns"], times) == {older_bucket: 10.0, now_bucket: 20.0}
    assert points(breakdown["connect"], times) == {older_bucket: 20.0, now_bucket: 40.0}
    assert points(breakdown["tls"], times) == {older_bucket: 50.0, now_bucket: 60.0}
    assert points(breakdown["first_byte"], times) == {older_bucket: 40.0, now_bucket: 80.0}


@pytest.mark.parametrize("range_name", ["30d", "90d"])
async def test_long_ranges_show_rollups_only_without_region_lines_or_breakdown(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
    range_name: str,
) -> None:
    monitor = await create_monitor(alice, regions=["eu-west", "us-east"])
    now = utcnow()
    await add_rollup(sessions, RollupDay, monitor["id"], bucket_start(now, "day"), ok=2, ms=70)
    due = now - timedelta(minutes=1)
    await add_checks(
        sessions,
        monitor["id"],
        {"due_at": due, "region": "eu-west", "response_time_ms": 60.0, "dns_ms": 5.0},
        {"due_at": due, "region": "us-east", "response_time_ms": 80.0, "dns_ms": 7.0},
    )

    data = await chart(open_browser, monitor["id"], range_name)

    assert data["raw_checks"] is False
    assert data["regions"] == {} and data["breakdown"] == {}
    assert [value for value in data["avg"] if value is not None] == [70.0]


def test_raw_checks_serve_a_range_only_while_retention_keeps_them() -> None:
    kept = {
        name: has_raw_checks(window, retention_days=30) for name, window in CHART_RANGES.items()
    }
    assert kept == {"1h": True, "24h": True, "7d": True, "30d": False, "90d": False}
    assert has_raw_checks(CHART_RANGES["7d"], retention_days=3) is False
    assert has_raw_checks(CHART_RANGES["24h"], retention_days=1) is True


async def test_the_monitor_page_has_the_breakdown_chart_and_the_long_range_note(
    open_browser: OpenBrowser, alice: Headers, create_monitor: CreateMonitor
) -> None:
    monitor = await create_monitor(alice)
    browser = await open_browser("alice@example.com")

    page = (await browser.get(f"/monitors/{monitor['id']}")).text

    assert '<div id="breakdown-chart" class="chart" data-range="1h">' in page  # a new one
    # Shown by the chart code for ranges without raw checks; no inline script or style.
    assert '<p id="chart-note" class="muted small chart-note" hidden>' in page
    assert "<script>" not in page and 'style="' not in page


NOW = datetime(2026, 3, 10, 12, 30, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "last_check_ago", "expected"),
    [
        (timedelta(minutes=1), timedelta(seconds=5), "1h"),  # the issue's: not 24 h
        (timedelta(minutes=59), timedelta(seconds=5), "1h"),  # its first minute is in 1 h
        (timedelta(minutes=61), timedelta(seconds=5), "24h"),
        (timedelta(hours=20), None, "24h"),  # never checked yet
        (timedelta(days=300), timedelta(minutes=1), "24h"),  # established: as always
        (timedelta(days=300), timedelta(days=3), "7d"),  # paused for days: where data is
        (timedelta(days=300), timedelta(days=20), "30d"),
        (timedelta(days=300), timedelta(days=200), "24h"),  # nothing in any range
    ],
)
def test_a_monitors_page_opens_on_the_shortest_range_that_holds_its_data(
    age: timedelta, last_check_ago: timedelta | None, expected: str
) -> None:
    last = NOW - last_check_ago if last_check_ago is not None else None

    assert opening_range(created_at=NOW - age, last_checked_at=last, now=NOW) == expected


async def test_a_monitor_checked_for_a_minute_opens_on_1_h_charted_from_its_start(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    due = utcnow()
    await add_checks(sessions, monitor["id"], {"due_at": due, "region": "eu-west"})
    await add_rollup(sessions, RollupMinute, monitor["id"], bucket_start(due, "minute"), ok=1)
    browser = await open_browser("alice@example.com")

    page = (await browser.get(f"/monitors/{monitor['id']}")).text
    data = await chart(open_browser, monitor["id"], "1h")

    assert 'data-range="1h">' in page
    assert '<button type="button" class="button small" data-range="1h" aria-pressed="true">' in page
    assert 'data-range="24h" aria-pressed="false"' in page
    # From the minute it was made (two minutes at least), not 60 minutes of nothing.
    created = datetime.fromisoformat(monitor["created_at"])
    assert data["t"][0] <= epoch(created, "minute") and len(data["t"]) in (2, 3)
    assert points(data["avg"], data["t"]) == {epoch(due, "minute"): 100.0}
