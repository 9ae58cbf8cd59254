"""The notifier role: events in from the stream's consumer group, messages out.

For a batch of stream entries it plans their notifications (one row per event and
channel, idempotent), sends what is due at once, and only then acks the entries. So:

- killed before planning: the entries stay pending and a live notifier claims them;
- killed after sending and recording: the entries are redelivered, but their rows say
  sent, and nothing goes out twice;
- killed mid-send: the rows' lease expires and they are sent again (at-least-once).

An entry that does not decode, or an event whose planning fails on the event itself,
is set aside as a dead letter (notifier/dead_letters.py) and acked with the rest: one
bad event never holds up the events behind it. Only the database being away (db/errors.py)
leaves entries to be handled again.

Retries, escalation delays and rate-limited messages wait in the database, not in the
stream, and a periodic pass sends them when they come due.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from betteruptime.db.errors import unavailable
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.domain.messages import Event
from betteruptime.lifecycle import sleep_or_stop
from betteruptime.logs import get_logger, kv
from betteruptime.notifier.dead_letters import (
    DeadLetterNote,
    set_aside,
    undecodable,
    unplannable,
)
from betteruptime.notifier.dispatch import Dispatcher
from betteruptime.notifier.planning import events_to_plan, plan_events
from betteruptime.transport.base import EventStream, StreamEntry

log = get_logger("notifier")

GROUP = "notifier"
CLAIM_IDLE_MS = 30_000
CLAIM_EVERY_SECONDS = 5.0
READ_COUNT = 100
READ_BLOCK_MS = 500
RETRY_SECONDS = 1.0

# Called with the entries just handled, before they are acked (fault-injection tests).
BeforeAck = Callable[[Sequence[StreamEntry]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Received:
    """An event to plan, with the stream entry it came in (entry_id "" and its own JSON
    as body when it was taken from the outbox: its entry was lost)."""

    entry_id: str
    body: bytes
    event: Event

    @classmethod
    def from_outbox(cls, event: Event) -> Received:
        return cls("", event.model_dump_json().encode(), event)


class Notifier:
    def __init__(
        self,
        *,
        stream: EventStream,
        sessions: SessionFactory,
        dispatcher: Dispatcher,
        consumer: str | None = None,
        claim_idle_ms: int = CLAIM_IDLE_MS,
        before_ack: BeforeAck | None = None,
        base_url: str = "",
    ) -> None:
        self._stream = stream
        self._sessions = sessions
        self.dispatcher = dispatcher
        self.consumer = consumer or f"{socket.gethostname()}:{os.getpid()}"
        self._claim_idle_ms = claim_idle_ms
        self._before_ack = before_ack
        # BETTERUPTIME_PUBLIC_URL: where links in messages point (a failure screenshot).
        self._base_url = base_url
        # Entries whose handling failed (database away): handled again first thing.
        self._unfinished: list[StreamEntry] = []
        self.handled = 0
        self.dead_lettered = 0

    async def run(self, stop: asyncio.Event) -> None:
        log.info(kv(event="started", consumer=self.consumer))
        next_claim = 0.0
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            try:
                if self._unfinished:
                    entries, self._unfinished = self._unfinished, []
                    await self._handle(entries)
                if loop.time() >= next_claim:
                    next_claim = loop.time() + CLAIM_EVERY_SECONDS
                    await self._handle(
                        await self._stream.claim_stale(
                            GROUP, self.consumer, min_idle_ms=self._claim_idle_ms, count=READ_COUNT
                        )
                    )
                await self._handle(
                    await self._stream.read(
                        GROUP, self.consumer, count=READ_COUNT, block_ms=READ_BLOCK_MS
                    )
                )
                await self.dispatcher.dispatch()  # retries, escalations, the rate-limited
            except Exception as error:  # an engine is away: wait and try again
                log.warning(kv(event="notifier_unavailable", error=type(error).__name__))
                await sleep_or_stop(stop, RETRY_SECONDS)
        log.info(kv(event="stopped", handled=self.handled, sent=self.dispatcher.sent))

    async def _handle(self, entries: Sequence[StreamEntry]) -> None:
        if not entries:
            return
        received: list[Received] = []
        notes: list[DeadLetterNote] = []
        for entry in entries:
            try:
                event = Event.model_validate_json(entry.body)
            except ValidationError as error:
                notes.append(undecodable(entry.id, entry.body, error))
            else:
                received.append(Received(entry.id, entry.body, event))
        try:
            todo = await self._to_plan(received)
            planned, failed = await self._plan(todo)
            notes += failed
            if notes:
                async with self._sessions() as session, session.begin():
                    await set_aside(session, notes, now=utcnow())
        except Exception:
            self._unfinished.extend(entries)  # the database is away: all of them again
            raise
        aside = {note.event.id for note in notes if note.event is not None}
        for item in todo:
            if item.event.id not in aside:
                log.info(
                    kv(
                        event="received",
                        type=item.event.type,
                        monitor_id=item.event.monitor_id,
                        incident_id=item.event.incident_id,
                        event_id=item.event.id,
                        **({} if item.entry_id else {"from": "outbox"}),
                    )
                )
        if planned:
            await self.dispatcher.dispatch()
        if self._before_ack is not None:
            await self._before_ack(entries)
        await self._stream.ack(GROUP, [entry.id for entry in entries])
        self.handled += len(received)
        self.dead_lettered += len(notes)

    async def _to_plan(self, received: Sequence[Received]) -> list[Received]:
        """The received events no notifier has planned yet, after the earlier events of
        their monitors still unplanned in the outbox, oldest first."""
        if not received:
            return []
        try:
            async with self._sessions() as session:
                unplanned, earlier = await events_to_plan(
                    session, [item.event for item in received]
                )
        except Exception as error:
            if unavailable(error):
                raise
            # Could not tell (an outbox row that will not read): plan what came, as is.
            log.warning(kv(event="outbox_unreadable", error=type(error).__name__))
            return list(received)
        todo: dict[int, Received] = {}
        for item in [*map(Received.from_outbox, earlier), *received]:
            if item.event.id in unplanned or not item.entry_id:
                todo.setdefault(item.event.id, item)  # a batch may hold an event twice
        return sorted(todo.values(), key=lambda item: item.event.id)

    async def _plan(self, received: Sequence[Received]) -> tuple[int, list[DeadLetterNote]]:
        """Plan the events in one transaction; if that fails on an event rather than on
        the database, plan each alone and set aside those that fail. The database being
        away raises: nothing is set aside for that, the entries are tried again."""
        if not received:
            return 0, []
        now = utcnow()
        try:
            async with self._sessions() as session, session.begin():
                events = [item.event for item in received]
                return await plan_events(session, events, now=now, base_url=self._base_url), []
        except Exception as error:
            if unavailable(error):
                raise
            log.warning(
                kv(event="batch_unplannable", events=len(received), error=type(error).__name__)
            )
        planned, notes = 0, []
        for item in received:
            try:
                async with self._sessions() as session, session.begin():
                    planned += await plan_events(
                        session, [item.event], now=now, base_url=self._base_url
                    )
            except Exception as error:
                if unavailable(error):
                    raise
                notes.append(unplannable(item.entry_id, item.body, item.event, error))
        return planned, notes
