"""An incident's story in order: first failure, confirmation, every notification with
its delivery result, reminders, acknowledgement and resolution.

A notification's entry says why it did not go out when it did not: failed for good (the
receiver refused it, so it was not retried, and what it answered), cancelled (resolved
before it could be sent, acknowledged before it was due), or waiting for an earlier
message to the same channel to finish first.

Four small queries whatever the incident's length: notifications, the digests some were
folded into, their delivery attempts, and the incident's reminder events.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import Channel, DeliveryAttempt, Incident, Notification, OutboxEvent

WAITING = "waiting for an earlier message about this monitor to this channel to finish"


@dataclass(slots=True)
class Attempt:
    attempt: int
    at: datetime
    ok: bool
    error: str | None
    permanent: bool = False


@dataclass(slots=True)
class TimelineEntry:
    at: datetime
    type: str  # first_failure | confirmed | notification | reminder | acknowledged | resolved
    detail: str | None = None
    event: str | None = None
    channel_id: int | None = None
    channel_name: str | None = None
    # pending | sending | sent | failed | cancelled; a folded one shows its digest's status.
    status: str | None = None
    in_digest: bool = False
    attempts: list[Attempt] = field(default_factory=list)
    # Failed for good: the receiver refused it and it was not retried.
    permanent: bool = False


async def _attempts_by_notification(
    session: AsyncSession, ids: set[int]
) -> dict[int, list[Attempt]]:
    found: dict[int, list[Attempt]] = defaultdict(list)
    if not ids:
        return found
    rows = await session.scalars(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.notification_id.in_(ids))
        .order_by(DeliveryAttempt.notification_id, DeliveryAttempt.attempt)
    )
    for row in rows:
        found[row.notification_id].append(
            Attempt(row.attempt, row.finished_at, row.ok, row.error, row.permanent)
        )
    return found


def _detail(carrier: Notification, attempts: list[Attempt]) -> tuple[str | None, bool]:
    """What the entry says about how it went, and whether it failed for good."""
    permanent = carrier.status == "failed" and bool(attempts) and attempts[-1].permanent
    if permanent:
        return f"failed for good, not retried: {carrier.last_error}", True
    if carrier.status == "pending" and carrier.blocked_by is not None:
        return WAITING, False
    return carrier.last_error, False


async def _notification_entries(session: AsyncSession, incident_id: int) -> list[TimelineEntry]:
    rows = (
        await session.execute(
            select(Notification, Channel.name)
            .join(Channel, Channel.id == Notification.channel_id)
            .where(Notification.incident_id == incident_id)
            .order_by(Notification.id)
        )
    ).all()
    digest_ids = {row.digest_id for row, _ in rows if row.digest_id is not None}
    digests = {}
    if digest_ids:
        found = await session.scalars(select(Notification).where(Notification.id.in_(digest_ids)))
        digests = {digest.id: digest for digest in found}
    attempts = await _attempts_by_notification(session, {row.id for row, _ in rows} | set(digests))
    entries = []
    for row, channel_name in rows:
        # A folded message's fate is its digest's (unless it was dropped from it).
        carrier = row
        if row.status == "folded" and row.digest_id is not None:
            carrier = digests.get(row.digest_id, row)
        tries = attempts.get(carrier.id, [])
        detail, permanent = _detail(carrier, tries)
        entries.append(
            TimelineEntry(
                at=carrier.sent_at or row.next_attempt_at,
                type="notification",
                event=row.kind,
                channel_id=row.channel_id,
                channel_name=channel_name,
                status=carrier.status,
                in_digest=carrier is not row,
                detail=detail,
                attempts=tries,
                permanent=permanent,
            )
        )
    return entries


async def incident_timeline(session: AsyncSession, incident: Incident) -> list[TimelineEntry]:
    entries = [TimelineEntry(incident.started_at, "first_failure", detail=incident.cause)]
    if incident.confirmed_at is not None:
        entries.append(TimelineEntry(incident.confirmed_at, "confirmed"))
    entries += await _notification_entries(session, incident.id)
    reminders = await session.scalars(
        select(OutboxEvent.created_at).where(
            OutboxEvent.incident_id == incident.id, OutboxEvent.type == "reminder"
        )
    )
    entries += [TimelineEntry(at, "reminder") for at in reminders if at is not None]
    if incident.acknowledged_at is not None:
        entries.append(TimelineEntry(incident.acknowledged_at, "acknowledged"))
    if incident.resolved_at is not None:
        entries.append(TimelineEntry(incident.resolved_at, "resolved"))
    # Stable: at equal times, the order above (the order things happen in) is kept.
    return sorted(entries, key=lambda entry: entry.at)
