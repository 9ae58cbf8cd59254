"""The outbox relay: publishes committed events to the event stream, and publishes again
those no notifier has planned after a while.

Events are written in the ingest transaction; this relay sends them afterwards and stamps
`published_at`. A crash between the two re-sends on restart: consumers dedupe by event
id, so the stream is at-least-once and nothing committed is ever lost.

The stream is not where an event is kept: an entry can be lost on the way (Redis
restarted without persistence, its stream trimmed). An event stays owed in the database
until a notifier stamps `planned_at` in the transaction that records its notifications.
One still unplanned `republish_after` after it was published is published again, then
after waits that double with its age, up to REPUBLISH_MAX_WAIT, until one does; a relay
that starts publishes again at once what an earlier one published and nobody planned.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select

from betteruptime.db.models import OutboxEvent
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.logs import get_logger, kv
from betteruptime.transport.base import EventStream

log = get_logger("outbox")

BATCH = 500
# A notifier plans what it reads within a second or two, and takes over entries a dead
# one left pending after 30 s (notifier/service.py): past a minute, the entry is lost.
REPUBLISH_AFTER = timedelta(seconds=60)
# However long no notifier has run, an unplanned event is published again at least
# this often: a notifier that comes back gets what the stream lost within this wait.
REPUBLISH_MAX_WAIT = timedelta(minutes=10)


# The event of an outbox row (kept here under its old name for callers).
to_event = OutboxEvent.to_event


def next_publish_at(
    now: datetime, decided_at: datetime | None, *, first_wait: timedelta
) -> datetime:
    """When an event published `now` is published again if still unplanned: after
    `first_wait`, or after as long as it has waited so far, whichever is longer, but
    never later than REPUBLISH_MAX_WAIT from now."""
    age = now - decided_at if decided_at is not None else timedelta(0)
    return now + min(REPUBLISH_MAX_WAIT, max(first_wait, age))


class OutboxRelay:
    def __init__(
        self,
        *,
        sessions: SessionFactory,
        stream: EventStream,
        republish_after: timedelta = REPUBLISH_AFTER,
    ) -> None:
        self._sessions = sessions
        self._stream = stream
        self._republish_after = republish_after
        # What was published before this relay started and is still unplanned may have
        # died with an in-process stream, or been lost by Redis meanwhile: at once.
        self._started_at = utcnow()
        self.published = 0
        self.republished = 0

    async def relay(self, *, now: datetime | None = None) -> int:
        """Publish every event not yet published, and every unplanned one due to be
        published again, oldest first; returns how many went out."""
        total = 0
        while True:
            moment = now or utcnow()
            async with self._sessions() as session:
                rows = (
                    await session.scalars(
                        select(OutboxEvent)
                        .where(
                            OutboxEvent.planned_at.is_(None),
                            or_(
                                OutboxEvent.published_at.is_(None),
                                OutboxEvent.published_at < self._started_at,
                                OutboxEvent.republish_at <= moment,
                            ),
                        )
                        .order_by(OutboxEvent.id)
                        .limit(BATCH)
                        # Several ingesters relay: each takes rows no other is sending.
                        .with_for_update(skip_locked=True)
                    )
                ).all()
                if not rows:
                    return total
                events = [to_event(row) for row in rows]
                again = [row.id for row in rows if row.published_at is not None]
                await self._stream.publish([event.model_dump_json().encode() for event in events])
                for row in rows:
                    row.published_at = moment
                    row.republish_at = next_publish_at(
                        moment, row.created_at, first_wait=self._republish_after
                    )
                await session.commit()
            for event in events:
                log.info(
                    kv(event=event.type, monitor_id=event.monitor_id, incident_id=event.incident_id)
                )
            if again:
                # Not planned in time: its entry was lost, or no notifier runs.
                log.warning(kv(event="republished", events=len(again), first=again[0]))
            total += len(rows)
            self.published += len(rows)
            self.republished += len(again)
            if len(rows) < BATCH:
                return total
