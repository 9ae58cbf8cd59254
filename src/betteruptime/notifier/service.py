"""The notifier role: reads transition events from the event stream's consumer group.

At-least-once: an entry is acked only after it has been handled; entries left pending
by a notifier that died are claimed by a live one after CLAIM_IDLE. Until alerting lands
(channels, Apprise) handling an event means logging it.
"""

from __future__ import annotations

import asyncio
import os
import socket

from pydantic import ValidationError

from betteruptime.domain.messages import Event
from betteruptime.lifecycle import sleep_or_stop
from betteruptime.logs import get_logger, kv
from betteruptime.transport.base import EventStream, StreamEntry

log = get_logger("notifier")

GROUP = "notifier"
CLAIM_IDLE_MS = 30_000
CLAIM_EVERY_SECONDS = 5.0
READ_COUNT = 100
READ_BLOCK_MS = 1000
RETRY_SECONDS = 1.0


class Notifier:
    def __init__(self, *, stream: EventStream, consumer: str | None = None) -> None:
        self._stream = stream
        self.consumer = consumer or f"{socket.gethostname()}:{os.getpid()}"
        self.handled = 0

    async def handle(self, event: Event) -> None:
        log.info(
            kv(
                event="received",
                type=event.type,
                monitor_id=event.monitor_id,
                incident_id=event.incident_id,
                event_id=event.id,
            )
        )

    async def run(self, stop: asyncio.Event) -> None:
        log.info(kv(event="started", consumer=self.consumer))
        next_claim = 0.0
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            try:
                if loop.time() >= next_claim:
                    next_claim = loop.time() + CLAIM_EVERY_SECONDS
                    await self._process(
                        await self._stream.claim_stale(
                            GROUP, self.consumer, min_idle_ms=CLAIM_IDLE_MS, count=READ_COUNT
                        )
                    )
                await self._process(
                    await self._stream.read(
                        GROUP, self.consumer, count=READ_COUNT, block_ms=READ_BLOCK_MS
                    )
                )
            except Exception as error:  # the stream's engine is away: wait and try again
                log.warning(kv(event="stream_unavailable", error=type(error).__name__))
                await sleep_or_stop(stop, RETRY_SECONDS)
        log.info(kv(event="stopped", handled=self.handled))

    async def _process(self, entries: list[StreamEntry]) -> None:
        for entry in entries:
            try:
                event = Event.model_validate_json(entry.body)
            except ValidationError:
                log.warning(kv(event="undecodable", entry=entry.id))
            else:
                await self.handle(event)
                self.handled += 1
            await self._stream.ack(GROUP, [entry.id])
