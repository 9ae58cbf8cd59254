"""Nobody sees or changes another user's monitors, checks, stats or incidents."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from betteruptime.db.models import Incident
from betteruptime.db.session import SessionFactory

Create = Callable[..., Awaitable[dict[str, Any]]]
NOT_FOUND = {"error": "not_found", "message": "Monitor not found."}


async def test_a_user_lists_only_their_own_monitors_and_incidents(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    bob: dict[str, str],
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    mine = await create_monitor(alice)
    await create_monitor(bob)
    async with sessions() as session:
        session.add(Incident(monitor_id=mine["id"], started_at=datetime.now(UTC)))
        await session.commit()

    monitors = (await client.get("/api/v1/monitors", headers=bob)).json()
    incidents = (await client.get("/api/v1/incidents", headers=bob)).json()

    assert mine["id"] not in [m["id"] for m in monitors]
    assert incidents == []


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"name": "mine now"}),
        ("DELETE", "", None),
        ("POST", "/pause", None),
        ("POST", "/resume", None),
        ("GET", "/checks", None),
        ("GET", "/stats", None),
    ],
)
async def test_another_users_monitor_looks_like_a_missing_one(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    bob: dict[str, str],
    create_monitor: Create,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
) -> None:
    theirs = await create_monitor(alice)
    url = f"/api/v1/monitors/{theirs['id']}{suffix}"
    missing = f"/api/v1/monitors/{theirs['id'] + 1000}{suffix}"

    as_bob = await client.request(method, url, json=body, headers=bob)
    absent = await client.request(method, missing, json=body, headers=bob)

    assert as_bob.status_code == absent.status_code == 404
    assert as_bob.json() == absent.json() == NOT_FOUND
    untouched = await client.get(f"/api/v1/monitors/{theirs['id']}", headers=alice)
    assert untouched.json() == theirs


async def test_another_users_incident_looks_like_a_missing_one(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    bob: dict[str, str],
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    async with sessions() as session:
        incident = Incident(monitor_id=monitor["id"], started_at=datetime.now(UTC))
        session.add(incident)
        await session.commit()

    read = await client.get(f"/api/v1/incidents/{incident.id}", headers=bob)
    ack = await client.post(f"/api/v1/incidents/{incident.id}/acknowledge", headers=bob)
    filtered = await client.get(
        "/api/v1/incidents", params={"monitor_id": monitor["id"]}, headers=bob
    )

    assert read.status_code == ack.status_code == filtered.status_code == 404
    mine = await client.get(f"/api/v1/incidents/{incident.id}", headers=alice)
    assert mine.json()["acknowledged_at"] is None


@pytest.mark.parametrize("monitor_id", ["0", "-1", "2147483648", "9" * 40])
async def test_ids_that_cannot_exist_are_not_found(
    client: httpx.AsyncClient, alice: dict[str, str], monitor_id: str
) -> None:
    for suffix in ("", "/checks", "/stats", "/pause"):
        method = "POST" if suffix == "/pause" else "GET"
        response = await client.request(
            method, f"/api/v1/monitors/{monitor_id}{suffix}", headers=alice
        )
        assert response.status_code == 404, (monitor_id, suffix)
        assert response.json() == NOT_FOUND
