"""Listing, filtering and acknowledging incidents."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from betteruptime.db.models import Incident, OutboxEvent
from betteruptime.db.session import SessionFactory

Create = Callable[..., Awaitable[dict[str, Any]]]
INCIDENTS = "/api/v1/incidents"
T0 = datetime(2026, 2, 1, tzinfo=UTC)


async def _incident(
    sessions: SessionFactory, monitor_id: int, hours: int, *, resolved: bool = False
) -> int:
    started = T0 + timedelta(hours=hours)
    async with sessions() as session:
        incident = Incident(
            monitor_id=monitor_id,
            status="resolved" if resolved else "open",
            started_at=started,
            resolved_at=started + timedelta(minutes=5) if resolved else None,
            cause="connection refused",
        )
        session.add(incident)
        await session.commit()
        return incident.id


async def test_it_lists_incidents_newest_first(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    old = await _incident(sessions, monitor["id"], 1, resolved=True)
    new = await _incident(sessions, monitor["id"], 2)

    response = await client.get(INCIDENTS, headers=alice)

    assert [i["id"] for i in response.json()] == [new, old]
    assert response.json()[0] == {
        "id": new,
        "monitor_id": monitor["id"],
        "status": "open",
        "started_at": "2026-02-01T02:00:00Z",
        "confirmed_at": None,
        "resolved_at": None,
        "acknowledged_at": None,
        "cause": "connection refused",
        "in_maintenance": False,
    }


async def test_it_filters_incidents_by_monitor_and_status_and_pages_them(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    one, two = (await create_monitor(alice))["id"], (await create_monitor(alice))["id"]
    a = await _incident(sessions, one, 1, resolved=True)
    b = await _incident(sessions, one, 2)
    c = await _incident(sessions, two, 3, resolved=True)

    async def ids(**params: Any) -> list[int]:
        response = await client.get(INCIDENTS, params=params, headers=alice)
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()]

    assert await ids(monitor_id=one) == [b, a]
    assert await ids(status="resolved") == [c, a]
    assert await ids(status="open") == [b]
    assert await ids(monitor_id=one, status="resolved") == [a]
    assert await ids(limit=1, offset=1) == [b]
    bad = await client.get(INCIDENTS, params={"status": "closed"}, headers=alice)
    assert bad.status_code == 422
    assert bad.json()["details"][0]["field"] == "status"


async def test_it_acknowledges_an_open_incident_once(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    incident_id = await _incident(sessions, (await create_monitor(alice))["id"], 1)
    url = f"{INCIDENTS}/{incident_id}/acknowledge"

    first = await client.post(url, headers=alice)
    again = await client.post(url, headers=alice)

    assert first.status_code == again.status_code == 200
    assert first.json()["acknowledged_at"] is not None
    assert again.json()["acknowledged_at"] == first.json()["acknowledged_at"]
    fetched = (await client.get(f"{INCIDENTS}/{incident_id}", headers=alice)).json()
    assert fetched.pop("timeline")[-1]["type"] == "acknowledged"
    assert fetched == first.json()
    # One acknowledgement, one event for the notifier, however often it is repeated.
    async with sessions() as session:
        events = (await session.scalars(select(OutboxEvent.type))).all()
    assert events == ["acknowledged"]


async def test_it_refuses_to_acknowledge_a_resolved_incident(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_monitor: Create,
    sessions: SessionFactory,
) -> None:
    incident_id = await _incident(sessions, (await create_monitor(alice))["id"], 1, resolved=True)

    response = await client.post(f"{INCIDENTS}/{incident_id}/acknowledge", headers=alice)

    assert response.status_code == 409
    assert response.json()["error"] == "incident_resolved"
    fetched = await client.get(f"{INCIDENTS}/{incident_id}", headers=alice)
    assert fetched.json()["acknowledged_at"] is None


async def test_it_answers_404_for_incidents_that_do_not_exist(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    for path in ("/0", "/12345", "/99999999999999999999", "/12345/acknowledge"):
        method = "POST" if path.endswith("acknowledge") else "GET"
        response = await client.request(method, INCIDENTS + path, headers=alice)
        assert response.status_code == 404, path
        assert response.json() == {"error": "not_found", "message": "Incident not found."}
