"""An incident's timeline: what happened and what each channel was told, in order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from betteruptime.db.models import DeliveryAttempt, Incident, Notification, OutboxEvent
from betteruptime.db.session import SessionFactory
from betteruptime.services.timeline import WAITING

Create = Callable[..., Awaitable[dict[str, Any]]]
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _notification(
    channel_id: int, incident_id: int | None, kind: str, **fields: Any
) -> Notification:
    values: dict[str, Any] = {
        "channel_id": channel_id,
        "key": f"event:{kind}:{fields.get('status')}",
        "kind": kind,
        "incident_id": incident_id,
        "payload": {},
        "status": "sent",
        "escalation": False,
        "attempts": 1,
        "next_attempt_at": _at(60),
    } | fields
    return Notification(**values)


async def test_the_timeline_tells_the_incident_in_order(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_monitor: Create,
    create_channel: Create,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    chat = (await create_channel(alice, name="chat"))["id"]
    sms = (await create_channel(alice, name="sms"))["id"]
    async with sessions() as session, session.begin():
        incident = Incident(
            monitor_id=monitor["id"],
            status="resolved",
            started_at=_at(0),
            confirmed_at=_at(60),
            acknowledged_at=_at(400),
            resolved_at=_at(900),
            cause="HTTP 503",
        )
        session.add(incident)
        await session.flush()
        down = _notification(chat, incident.id, "down", sent_at=_at(62), attempts=2)
        digest = _notification(chat, None, "digest", sent_at=_at(301), key="d")
        escalation = _notification(
            sms, incident.id, "down", status="cancelled", escalation=True, next_attempt_at=_at(360)
        )
        session.add_all([down, digest, escalation])
        await session.flush()
        reminder = _notification(
            chat, incident.id, "reminder", status="folded", digest_id=digest.id
        )
        session.add(reminder)
        session.add_all(
            [
                DeliveryAttempt(
                    notification_id=down.id,
                    attempt=1,
                    started_at=_at(60),
                    finished_at=_at(61),
                    ok=False,
                    error="HTTP 502",
                ),
                DeliveryAttempt(
                    notification_id=down.id,
                    attempt=2,
                    started_at=_at(61),
                    finished_at=_at(62),
                    ok=True,
                ),
                DeliveryAttempt(
                    notification_id=digest.id,
                    attempt=1,
                    started_at=_at(300),
                    finished_at=_at(301),
                    ok=True,
                ),
                OutboxEvent(
                    type="reminder",
                    monitor_id=monitor["id"],
                    incident_id=incident.id,
                    at=_at(0),
                    created_at=_at(300),
                ),
            ]
        )
        incident_id = incident.id

    response = await client.get(f"/api/v1/incidents/{incident_id}", headers=alice)

    assert response.status_code == 200
    timeline = response.json()["timeline"]
    assert [(e["type"], e["event"], e["channel_name"], e["status"]) for e in timeline] == [
        ("first_failure", None, None, None),
        ("confirmed", None, None, None),
        ("notification", "down", "chat", "sent"),
        ("reminder", None, None, None),
        ("notification", "reminder", "chat", "sent"),
        ("notification", "down", "sms", "cancelled"),
        ("acknowledged", None, None, None),
        ("resolved", None, None, None),
    ]
    assert timeline[0]["detail"] == "HTTP 503"
    assert [(a["attempt"], a["ok"], a["error"]) for a in timeline[2]["attempts"]] == [
        (1, False, "HTTP 502"),
        (2, True, None),
    ]
    assert timeline[4]["in_digest"] is True and len(timeline[4]["attempts"]) == 1


async def test_the_timeline_says_which_messages_failed_for_good_were_dropped_or_wait(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    create_monitor: Create,
    create_channel: Create,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    hook = (await create_channel(alice, name="hook"))["id"]
    chat = (await create_channel(alice, name="chat"))["id"]
    async with sessions() as session, session.begin():
        incident = Incident(
            monitor_id=monitor["id"], status="open", started_at=_at(0), confirmed_at=_at(60)
        )
        session.add(incident)
        await session.flush()
        refused = _notification(
            hook, incident.id, "down", status="failed", last_error="HTTP 404 Not Found"
        )
        retried = _notification(
            chat, incident.id, "down", status="pending", last_error="HTTP 503", key="r"
        )
        session.add_all([refused, retried])
        await session.flush()
        waiting = _notification(
            chat, incident.id, "acknowledged", status="pending", blocked_by=retried.id, key="w"
        )
        stale = _notification(
            hook,
            incident.id,
            "reminder",
            status="cancelled",
            key="s",
            last_error="resolved before it could be sent",
        )
        session.add_all([waiting, stale])
        for notification, permanent, error in (
            (refused, True, "HTTP 404 Not Found"),
            (retried, False, "HTTP 503"),
        ):
            session.add(
                DeliveryAttempt(
                    notification_id=notification.id,
                    attempt=1,
                    started_at=_at(60),
                    finished_at=_at(61),
                    ok=False,
                    error=error,
                    permanent=permanent,
                )
            )
        incident_id = incident.id

    response = await client.get(f"/api/v1/incidents/{incident_id}", headers=alice)

    entries = [e for e in response.json()["timeline"] if e["type"] == "notification"]
    assert [(e["event"], e["status"], e["permanent"], e["detail"]) for e in entries] == [
        ("down", "failed", True, "failed for good, not retried: HTTP 404 Not Found"),
        ("down", "pending", False, "HTTP 503"),
        ("acknowledged", "pending", False, WAITING),
        ("reminder", "cancelled", False, "resolved before it could be sent"),
    ]
    assert entries[0]["attempts"][0]["permanent"] is True
