"""The checks endpoint: newest first by due time, with since, until and limit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert

from betteruptime.db.models import Check
from betteruptime.db.session import SessionFactory

Create = Callable[..., Awaitable[dict[str, Any]]]
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def _insert_checks(sessions: SessionFactory, monitor_id: int, minutes: int) -> None:
    """One check per minute from START, in two regions; every third one failed."""
    rows = [
        {
            "monitor_id": monitor_id,
            "region": region,
            "due_at": START + timedelta(minutes=i),
            "checked_at": START + timedelta(minutes=i, seconds=1),
            "up": i % 3 != 0,
            "response_time_ms": 100.0 + i,
            "status_code": 200 if i % 3 else 503,
            "error": None if i % 3 else "status 503, expected 200-299",
            "dns_ms": 1.0,
            "connect_ms": 2.0,
            "tls_ms": 3.0,
            "first_byte_ms": 50.0,
        }
        for i in range(minutes)
        for region in ("eu-west", "us-east")
    ]
    async with sessions() as session:
        await session.execute(insert(Check), rows)
        await session.commit()


async def test_it_lists_checks_newest_first_with_their_timings(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    await _insert_checks(sessions, monitor["id"], minutes=3)

    response = await client.get(f"/api/v1/monitors/{monitor['id']}/checks", headers=alice)

    assert response.status_code == 200
    checks = response.json()
    assert [(c["due_at"], c["region"]) for c in checks] == [
        ("2026-03-01T12:02:00Z", "us-east"),
        ("2026-03-01T12:02:00Z", "eu-west"),
        ("2026-03-01T12:01:00Z", "us-east"),
        ("2026-03-01T12:01:00Z", "eu-west"),
        ("2026-03-01T12:00:00Z", "us-east"),
        ("2026-03-01T12:00:00Z", "eu-west"),
    ]
    assert checks[-1] == {
        "due_at": "2026-03-01T12:00:00Z",
        "checked_at": "2026-03-01T12:00:01Z",
        "region": "eu-west",
        "up": False,
        "response_time_ms": 100.0,
        "status_code": 503,
        "error": "status 503, expected 200-299",
        "timings": {
            "dns_ms": 1.0,
            "connect_ms": 2.0,
            "tls_ms": 3.0,
            "first_byte_ms": 50.0,
            "total_ms": 100.0,
        },
        "details": None,
    }


async def test_it_filters_by_due_time_from_since_up_to_but_not_including_until(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    await _insert_checks(sessions, monitor["id"], minutes=10)

    response = await client.get(
        f"/api/v1/monitors/{monitor['id']}/checks",
        params={"since": "2026-03-01T12:03:00Z", "until": "2026-03-01T14:06:00+02:00"},
        headers=alice,
    )

    minutes = sorted({c["due_at"][14:16] for c in response.json()})
    assert minutes == ["03", "04", "05"]


async def test_it_reads_times_without_an_offset_as_utc(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    await _insert_checks(sessions, monitor["id"], minutes=10)

    response = await client.get(
        f"/api/v1/monitors/{monitor['id']}/checks",
        params={"since": "2026-03-01T12:08:00"},
        headers=alice,
    )

    assert sorted({c["due_at"] for c in response.json()}) == [
        "2026-03-01T12:08:00Z",
        "2026-03-01T12:09:00Z",
    ]


async def test_it_returns_at_most_limit_checks(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    await _insert_checks(sessions, monitor["id"], minutes=10)
    url = f"/api/v1/monitors/{monitor['id']}/checks"

    three = await client.get(url, params={"limit": 3}, headers=alice)
    zero = await client.get(url, params={"limit": 0}, headers=alice)
    too_many = await client.get(url, params={"limit": 1001}, headers=alice)
    bad_time = await client.get(url, params={"since": "yesterday"}, headers=alice)

    assert [c["due_at"][14:16] for c in three.json()] == ["09", "09", "08"]
    assert zero.status_code == too_many.status_code == bad_time.status_code == 422
    assert bad_time.json()["details"][0]["field"] == "since"


async def test_it_shows_only_the_checks_of_the_monitor_asked_for(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    one, other = await create_monitor(alice), await create_monitor(alice)
    await _insert_checks(sessions, other["id"], minutes=2)

    response = await client.get(f"/api/v1/monitors/{one['id']}/checks", headers=alice)

    assert response.json() == []
