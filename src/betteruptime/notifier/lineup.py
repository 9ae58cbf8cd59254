"""The line a claimed batch stands in: reads it, orders it, and applies the decisions.

For the rows a notifier has just claimed (due, locked FOR UPDATE SKIP LOCKED), this reads
the unfinished messages of the same monitors and channels (pending, being sent, or folded
into a digest that is), decides with `alerting.ordering.decide`, and applies each decision
in the claim's transaction: a stale row is cancelled with its reason, a held-up one waits
(`blocked_by`, a later `next_attempt_at`), and the rest are returned to be rate-limited
and sent. A digest being retried first loses the messages that went stale since it was
made (they are cancelled with their reason); one left with nothing is cancelled.

The rows ahead in line are locked with SKIP LOCKED before they are read. One that another
notifier holds may be changing state right now, so it counts as being sent: it holds the
line, and the row behind it looks again shortly. One this notifier holds is in the state
read; if it is stale and not being sent, it is cancelled at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.alerting.ordering import (
    RESOLVED,
    STALE_ONCE_RESOLVED,
    Decision,
    Drop,
    IncidentState,
    Queued,
    Send,
    Wait,
    decide,
    stale_reason,
)
from betteruptime.db.models import Incident, Notification

UNFINISHED = ("pending", "sending")


def _state(incident: Incident | None) -> IncidentState:
    if incident is None:
        return "gone"
    if incident.status != "open":
        return "resolved"
    return "acknowledged" if incident.acknowledged_at is not None else "open"


class _Incidents:
    """The incidents the rows speak of, read once per claim."""

    def __init__(self, found: dict[int, Incident]) -> None:
        self._found = found

    @classmethod
    async def read(cls, session: AsyncSession, ids: Iterable[int | None]) -> _Incidents:
        wanted = {incident_id for incident_id in ids if incident_id is not None}
        if not wanted:
            return cls({})
        rows = await session.scalars(select(Incident).where(Incident.id.in_(wanted)))
        return cls({incident.id: incident for incident in rows})

    def state(self, incident_id: int | None) -> IncidentState | None:
        return None if incident_id is None else _state(self._found.get(incident_id))

    def outdated(self, kind: str | None, incident_id: int | None) -> bool:
        """News of an outage that is over: what a digest being retried leaves out."""
        return kind in STALE_ONCE_RESOLVED and self.state(incident_id) == "resolved"


def _queued(
    row: Notification,
    incidents: _Incidents,
    *,
    in_flight: bool = False,
    carrier: Notification | None = None,
) -> Queued:
    waits = carrier or row
    return Queued(
        id=row.id,
        monitor_id=row.monitor_id,
        channel_id=row.channel_id,
        kind=row.kind,
        escalation=row.escalation,
        incident=incidents.state(row.incident_id),
        in_flight=in_flight,
        due_at=waits.next_attempt_at,
        carrier_id=None if carrier is None else carrier.id,
        seq=row.event_id,
    )


def _drop(row: Notification, reason: str) -> None:
    row.status, row.last_error, row.blocked_by = "cancelled", reason, None


async def _locked_then_read(
    session: AsyncSession, statement: Select[Notification]
) -> tuple[list[Notification], set[int]]:
    """The rows of `statement`, and which of them this transaction now holds (the others
    are held by another notifier's claim). Locked first, so what is read of the held
    ones cannot change before the claim commits."""
    held = set(
        await session.scalars(
            statement.with_only_columns(Notification.id).with_for_update(skip_locked=True)
        )
    )
    return list((await session.scalars(statement)).all()), held


def _refresh_digests(
    digests: Sequence[Notification], members: Sequence[Notification], incidents: _Incidents
) -> None:
    """Take out of each digest being retried the messages that went stale meanwhile."""
    for member in members:
        if member.status == "folded" and incidents.outdated(member.kind, member.incident_id):
            _drop(member, RESOLVED)
    for digest in digests:
        items = digest.payload.get("items", [])
        kept = [
            item
            for item in items
            if not incidents.outdated(item.get("type"), item.get("incident_id"))
        ]
        if len(kept) != len(items):
            digest.payload = {**digest.payload, "items": kept}
        if not kept:
            _drop(digest, RESOLVED)


def _in_line(row: Notification, now: datetime) -> bool:
    """An escalation whose delay has not passed is not in line yet."""
    planned_later = row.escalation and row.attempts == 0 and row.blocked_by is None
    return not (planned_later and row.next_attempt_at > now)


@dataclass
class _Line:
    """The unfinished messages ahead of the claimed ones, as read (and partly locked)."""

    singles: list[Notification] = field(default_factory=list)
    held: set[int] = field(default_factory=set)
    folded: list[Notification] = field(default_factory=list)
    carriers: dict[int, Notification] = field(default_factory=dict)
    held_carriers: set[int] = field(default_factory=set)

    @classmethod
    async def read(
        cls, session: AsyncSession, claimed: Sequence[Notification], now: datetime
    ) -> _Line:
        line = cls()
        if not claimed:
            return line
        pairs = {(row.monitor_id, row.channel_id) for row in claimed}
        same_pairs = (
            Notification.monitor_id.in_({row.monitor_id for row in claimed}),
            Notification.channel_id.in_({row.channel_id for row in claimed}),
        )
        singles, line.held = await _locked_then_read(
            session,
            select(Notification).where(
                *same_pairs,
                Notification.status.in_(UNFINISHED),
                Notification.id.not_in([row.id for row in claimed]),
            ),
        )
        line.singles = [
            row
            for row in singles
            if (row.monitor_id, row.channel_id) in pairs and _in_line(row, now)
        ]
        unfinished_digests = select(Notification.id).where(
            Notification.kind == "digest", Notification.status.in_(UNFINISHED)
        )
        folded = await session.scalars(
            select(Notification).where(
                *same_pairs,
                Notification.status == "folded",
                Notification.digest_id.in_(unfinished_digests),
            )
        )
        line.folded = [row for row in folded if (row.monitor_id, row.channel_id) in pairs]
        if line.folded:
            carriers, line.held_carriers = await _locked_then_read(
                session,
                select(Notification).where(
                    Notification.id.in_({row.digest_id for row in line.folded})
                ),
            )
            line.carriers = {carrier.id: carrier for carrier in carriers}
        return line

    def incident_ids(self) -> list[int | None]:
        return [row.incident_id for row in [*self.singles, *self.folded]]

    def queued(self, incidents: _Incidents) -> list[Queued]:
        ahead = [
            _queued(row, incidents, in_flight=row.status == "sending" or row.id not in self.held)
            for row in self.singles
            if row.status in UNFINISHED  # not dropped just now
        ]
        for row in self.folded:
            if row.status != "folded":
                continue  # dropped from its digest just now
            carrier = self.carriers.get(row.digest_id or 0)
            if carrier is None or carrier.status not in UNFINISHED:
                continue  # finished since the first read
            busy = carrier.status == "sending" or carrier.id not in self.held_carriers
            ahead.append(_queued(row, incidents, in_flight=busy, carrier=carrier))
        return ahead

    def drop_stale(self, incidents: _Incidents, now: datetime) -> None:
        """Cancel the stale rows ahead that wait and that this notifier holds, and make
        the held rows that waited for them due at once."""
        dropped: set[int] = set()
        for row in self.singles:
            if row.id in self.held and row.status == "pending":
                reason = stale_reason(_queued(row, incidents))
                if reason is not None:
                    _drop(row, reason)
                    dropped.add(row.id)
        for row in self.singles:
            if row.id in self.held and row.status == "pending" and row.blocked_by in dropped:
                row.blocked_by, row.next_attempt_at = None, now


def _apply(row: Notification, decision: Decision) -> bool:
    """Apply one decision to a claimed row; True if it is to be sent."""
    if isinstance(decision, Drop):
        _drop(row, decision.reason)
    elif isinstance(decision, Wait):
        # Back to pending: a row re-claimed from a dead notifier's lapsed lease waits too.
        row.status, row.lease_until = "pending", None
        row.blocked_by, row.next_attempt_at = decision.behind, decision.until
    return isinstance(decision, Send)


async def line_up(
    session: AsyncSession, claimed: Sequence[Notification], *, now: datetime
) -> list[Notification]:
    """Of the claimed rows (oldest first), those to send now; the others are dropped or
    made to wait, in this (uncommitted) transaction."""
    line = await _Line.read(session, [row for row in claimed if row.monitor_id is not None], now)
    digests = [row for row in claimed if row.kind == "digest"]
    members: list[Notification] = []
    if digests:
        found = await session.scalars(
            select(Notification).where(Notification.digest_id.in_([row.id for row in digests]))
        )
        members = list(found)
    items = [item for digest in digests for item in digest.payload.get("items", [])]
    incidents = await _Incidents.read(
        session,
        [row.incident_id for row in [*claimed, *members]]
        + line.incident_ids()
        + [item.get("incident_id") for item in items],
    )
    line.drop_stale(incidents, now)
    _refresh_digests(digests, members, incidents)
    candidates = [row for row in claimed if row.status != "cancelled"]
    decisions = decide(
        [_queued(row, incidents) for row in candidates], line.queued(incidents), now=now
    )
    to_send = [row for row in candidates if _apply(row, decisions[row.id])]
    for row in to_send:
        row.blocked_by = None
    return to_send
