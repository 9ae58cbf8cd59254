"""The outbox relay: publishes committed transition events to the event stream.

Events are written in the ingest transaction; this relay sends them afterwards and stamps
`published_at`. A crash between the two re-sends on restart: consumers dedupe by event
id, so the stream is at-least-once and nothing committed is ever lost.
"""

from __future__ import annotations

from sqlalchemy import select, update

from betteruptime.db.models import OutboxEvent
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.domain.messages import Event
from betteruptime.logs import get_logger, kv
from betteruptime.transport.base import EventStream

log = get_logger("outbox")

BATCH = 500


def to_event(row: OutboxEvent) -> Event:
    return Event(
        id=row.id,
        type=row.type,
        monitor_id=row.monitor_id,
        incident_id=row.incident_id,
        at=row.at,
        cause=row.cause,
        decided_at=row.created_at,
        window_id=row.window_id,
    )


class OutboxRelay:
    def __init__(self, *, sessions: SessionFactory, stream: EventStream) -> None:
        self._sessions = sessions
        self._stream = stream
        self.published = 0

    async def relay(self) -> int:
        """Publish every unpublished event, oldest first; returns how many went out."""
        total = 0
        while True:
            async with self._sessions() as session:
                rows = (
                    await session.scalars(
                        select(OutboxEvent)
                        .where(OutboxEvent.published_at.is_(None))
                        .order_by(OutboxEvent.id)
                        .limit(BATCH)
                        # Several ingesters relay: each takes rows no other is sending.
                        .with_for_update(skip_locked=True)
                    )
                ).all()
                if not rows:
                    return total
                events = [to_event(row) for row in rows]
                await self._stream.publish([event.model_dump_json().encode() for event in events])
                await session.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.id.in_([row.id for row in rows]))
                    .values(published_at=utcnow())
                )
                await session.commit()
            for event in events:
                log.info(
                    kv(event=event.type, monitor_id=event.monitor_id, incident_id=event.incident_id)
                )
            total += len(rows)
            self.published += len(rows)
