"""Public status pages, their JSON twin and badges: what they show, and what they never
show (monitors not chosen, URLs, ids)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from api.conftest import CreateMonitor, Headers
from betteruptime.db.models import Incident, RollupDay
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.domain.rollups import bucket_start
from web.conftest import add_rollup, set_status

PAGES = "/api/v1/status-pages"


async def publish(
    client: httpx.AsyncClient, headers: Headers, monitor_ids: list[int], **fields: Any
) -> dict[str, Any]:
    body = {"slug": "acme", "title": "Acme", "monitor_ids": monitor_ids, **fields}
    response = await client.post(PAGES, json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def add_incident(
    sessions: SessionFactory, monitor_id: int, *, hours_ago: float, lasted_minutes: int | None
) -> None:
    started = utcnow() - timedelta(hours=hours_ago)
    resolved = None if lasted_minutes is None else started + timedelta(minutes=lasted_minutes)
    async with sessions() as session, session.begin():
        session.add(
            Incident(
                monitor_id=monitor_id,
                status="open" if resolved is None else "resolved",
                started_at=started,
                resolved_at=resolved,
                cause=f"HTTP 502 ({hours_ago} h ago)",
            )
        )


async def test_the_page_shows_only_the_chosen_monitors_and_never_urls_or_ids(
    client: httpx.AsyncClient,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    shown = await create_monitor(alice, name="Checkout", url="https://pay.example/health")
    hidden = await create_monitor(alice, name="Secret admin", url="https://admin.internal/")
    await add_incident(sessions, hidden["id"], hours_ago=2, lasted_minutes=None)
    await publish(client, alice, [shown["id"]])

    page = await client.get("/status/acme")
    data = (await client.get("/status/acme.json")).text

    assert page.status_code == 200
    assert "<title>Acme status · BetterUptime</title>" in page.text
    assert "Checkout" in page.text and "Checkout" in data
    for secret in ("Secret admin", "admin.internal", "pay.example", "HTTP 502"):
        assert secret not in page.text, secret
        assert secret not in data, secret
    assert f"/monitors/{shown['id']}" not in page.text
    assert str(shown["id"]) not in re.findall(r'"(?:id|monitor_id)": ?(\d+)', data)
    assert 'href="/status-pages"' not in page.text  # no dashboard navigation for the public
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("statuses", "overall", "banner"),
    [
        (("up", "up"), "operational", "All systems operational"),
        (("pending", "up"), "operational", "All systems operational"),
        (("paused", "paused"), "operational", "All systems operational"),
        (("up", "degraded"), "partial_outage", "Partial outage"),
        (("down", "up"), "partial_outage", "Partial outage"),
        (("down", "down"), "major_outage", "Major outage"),
        (("down", "paused"), "major_outage", "Major outage"),
    ],
)
async def test_the_banner_says_how_the_chosen_monitors_are_doing(
    client: httpx.AsyncClient,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
    statuses: tuple[str, str],
    overall: str,
    banner: str,
) -> None:
    ids = []
    for index, status in enumerate(statuses):
        monitor = await create_monitor(alice, name=f"Service {index}")
        if status == "paused":
            await client.post(f"/api/v1/monitors/{monitor['id']}/pause", headers=alice)
        else:
            await set_status(sessions, monitor["id"], status)
        ids.append(monitor["id"])
    await publish(client, alice, ids)

    page = (await client.get("/status/acme")).text
    data = (await client.get("/status/acme.json")).json()

    assert data["status"] == overall and data["status_text"] == banner
    assert f'class="sp-banner sp-{overall}" role="status"' in page and banner in page
    assert [monitor["status"] for monitor in data["monitors"]] == list(statuses)


async def test_the_json_has_90_daily_uptimes_and_90_days_of_incidents(
    client: httpx.AsyncClient,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    first = await create_monitor(alice, name="API")
    second = await create_monitor(alice, name="Website")
    await set_status(sessions, first["id"], "down")
    today = bucket_start(utcnow(), "day")
    await add_rollup(sessions, RollupDay, first["id"], today - timedelta(days=3), ok=90, failed=10)
    await add_rollup(sessions, RollupDay, first["id"], today, ok=100)
    await add_rollup(sessions, RollupDay, first["id"], today - timedelta(days=120), ok=1, failed=9)
    await add_incident(sessions, first["id"], hours_ago=1, lasted_minutes=None)
    await add_incident(sessions, second["id"], hours_ago=240, lasted_minutes=30)
    await add_incident(sessions, first["id"], hours_ago=24 * 100, lasted_minutes=5)
    await publish(client, alice, [second["id"], first["id"]], title="Acme <b>Cloud</b>")

    response = await client.get("/status/acme.json")

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    data = response.json()
    assert set(data) == {
        "slug",
        "title",
        "status",
        "status_text",
        "updated_at",
        "monitors",
        "incidents",
    }
    assert (data["slug"], data["title"], data["status"]) == (
        "acme",
        "Acme <b>Cloud</b>",
        "partial_outage",  # one down, one pending
    )
    website, api = data["monitors"]  # in the page's order
    assert set(api) == {"name", "status", "uptime_90d", "days"}
    assert (api["name"], api["status"], api["uptime_90d"]) == ("API", "down", 95.0)
    assert (website["name"], website["status"], website["uptime_90d"]) == (
        "Website",
        "pending",
        None,
    )
    assert len(api["days"]) == 90
    assert api["days"][-1] == {"date": today.date().isoformat(), "uptime": 100.0}
    assert api["days"][-4] == {
        "date": (today - timedelta(days=3)).date().isoformat(),
        "uptime": 90.0,
    }
    assert api["days"][0]["uptime"] is None
    assert [(i["monitor"], i["status"]) for i in data["incidents"]] == [
        ("API", "open"),
        ("Website", "resolved"),
    ]
    resolved = data["incidents"][1]
    assert resolved["duration_seconds"] == 1800
    # The cause is the probe's error text (addresses, ports): never public.
    assert "cause" not in resolved and "HTTP 502" not in json.dumps(data)
    assert resolved["started_at"].endswith("Z") and resolved["resolved_at"].endswith("Z")
    assert data["incidents"][0]["resolved_at"] is None

    page = (await client.get("/status/acme")).text
    assert "Current incidents" in page and "HTTP 502" not in page
    assert "lasted 30m" in page
    bars = re.findall(r'<span class="day level-(\w+)"', page)
    assert len(bars) == 180 and bars[-4] == "bad" and bars[-1] == "good"
    assert "95.00 % uptime" in page


async def test_an_unknown_slug_is_a_404_page_and_a_404_json(client: httpx.AsyncClient) -> None:
    for slug in ("nobody", "x" * 300, "ACME"):
        page = await client.get(f"/status/{slug}")
        assert page.status_code == 404
        assert "<title>Not found · BetterUptime</title>" in page.text
        assert page.headers["x-frame-options"] == "DENY"
        data = await client.get(f"/status/{slug}.json")
        assert data.status_code == 404
        assert data.json() == {"error": "not_found", "message": "Status page not found."}


async def test_script_in_a_monitor_name_or_page_title_is_escaped(
    client: httpx.AsyncClient, alice: Headers, create_monitor: CreateMonitor
) -> None:
    monitor = await create_monitor(alice, name="<script>alert('name')</script>")
    await publish(client, alice, [monitor["id"]], title='"><img src=x onerror=alert(1)>')

    page = (await client.get("/status/acme")).text

    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(" in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt; status · BetterUptime" in page


# --- badges --------------------------------------------------------------------------


async def test_badges_show_status_and_uptime_of_a_published_monitor(
    client: httpx.AsyncClient,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice, name="API")
    await set_status(sessions, monitor["id"], "up")
    today = bucket_start(utcnow(), "day")
    await add_rollup(sessions, RollupDay, monitor["id"], today, ok=95, failed=5)
    await publish(client, alice, [monitor["id"]])
    base = f"/badge/{monitor['id']}"

    status = await client.get(f"{base}/status.svg")
    uptime = await client.get(f"{base}/uptime.svg")
    week = await client.get(f"{base}/uptime.svg", params={"window": "24h"})

    for response in (status, uptime, week):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert response.headers["cache-control"] == "max-age=60"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "set-cookie" not in response.headers
        assert response.text.startswith("<svg")
    assert 'aria-label="status: up"' in status.text and "#4c1" in status.text
    assert 'aria-label="uptime 30d: 95.00%"' in uptime.text and "#dfb317" in uptime.text
    assert 'aria-label="uptime 24h: no data"' in week.text and "#9f9f9f" in week.text


async def test_badges_are_404_for_monitors_on_no_page_and_400_for_a_bad_window(
    client: httpx.AsyncClient, alice: Headers, create_monitor: CreateMonitor
) -> None:
    published = await create_monitor(alice, name="Published")
    private = await create_monitor(alice, name="Private")
    await publish(client, alice, [published["id"]])

    for monitor_id in (private["id"], 999999, "abc", 2**40):
        for badge in ("status.svg", "uptime.svg"):
            response = await client.get(f"/badge/{monitor_id}/{badge}")
            assert response.status_code == 404, (monitor_id, badge)
            assert response.json() == {"error": "not_found", "message": "Monitor not found."}
    bad = await client.get(f"/badge/{published['id']}/uptime.svg", params={"window": "1y"})
    assert bad.status_code == 400
    assert bad.json()["message"] == "window must be one of 24h, 7d, 30d, 90d."
