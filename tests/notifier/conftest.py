"""A notifier on a real database and a stream, with helpers that create what it needs
(user, channels, a monitor and its incidents) and emit events the way production does:
written to the outbox, then relayed to the stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis.asyncio as redis

from betteruptime.alerting.retry import RetryPolicy
from betteruptime.alerting.sender import AppriseSender
from betteruptime.db.models import (
    Channel,
    Incident,
    Monitor,
    MonitorChannel,
    MonitorState,
    OutboxEvent,
    User,
)
from betteruptime.db.session import SessionFactory
from betteruptime.ingester.outbox import OutboxRelay
from betteruptime.notifier.dispatch import Dispatcher
from betteruptime.notifier.service import Notifier
from betteruptime.services.organizations import create_personal_organization
from betteruptime.transport.base import EventStream
from betteruptime.transport.memory import MemoryEventStream
from testkit.engines import REDIS_URL

FAST_RETRY = RetryPolicy(max_attempts=5, first_delay_seconds=0.1, factor=1.5)
ALL_EVENTS = ["down", "up", "reminder", "acknowledged"]


def now() -> datetime:
    return datetime.now(UTC)


class World:
    """The rows a notifier reads, created directly, and the outbox path for events."""

    def __init__(self, sessions: SessionFactory, stream: EventStream) -> None:
        self.sessions = sessions
        self.stream = stream
        self.relay = OutboxRelay(sessions=sessions, stream=stream)
        self.owner_id: int | None = None

    async def owner(self) -> int:
        if self.owner_id is None:
            async with self.sessions() as session, session.begin():
                user = User(email="alerts@example.com", password_hash="x")
                session.add(user)
                await session.flush()
                organization = await create_personal_organization(session, user=user)
                self.owner_id = organization.id
        return self.owner_id

    async def channel(self, url: str, name: str = "hook") -> int:
        owner = await self.owner()
        async with self.sessions() as session, session.begin():
            channel = Channel(organization_id=owner, name=name, url=url)
            session.add(channel)
            await session.flush()
            return channel.id

    async def monitor(
        self, name: str, links: list[tuple[int, dict[str, Any]]], **fields: Any
    ) -> int:
        """A monitor linked to channels: (channel id, {events, delay_minutes})."""
        owner = await self.owner()
        async with self.sessions() as session, session.begin():
            values: dict[str, Any] = {
                "name": name,
                "url": f"https://{name}.example.com/",
                "interval_seconds": 60,
                "timeout_seconds": 5.0,
                "regions": ["default"],
                "expected_status": ["200-299"],
            } | fields
            monitor = Monitor(organization_id=owner, **values)
            session.add(monitor)
            await session.flush()
            session.add(MonitorState(monitor_id=monitor.id, status="up"))
            for channel_id, rule in links:
                session.add(
                    MonitorChannel(
                        monitor_id=monitor.id,
                        channel_id=channel_id,
                        events=rule.get("events", ALL_EVENTS),
                        delay_minutes=rule.get("delay_minutes", 0),
                    )
                )
            return monitor.id

    async def go_down(
        self, monitor_id: int, cause: str = "HTTP 503", decided_ago: float = 0.0
    ) -> int:
        """Open an incident and emit its down event; returns the incident id."""
        decided = now() - timedelta(seconds=decided_ago)
        started = decided - timedelta(seconds=90)
        async with self.sessions() as session, session.begin():
            incident = Incident(
                monitor_id=monitor_id,
                status="open",
                started_at=started,
                confirmed_at=decided,
                cause=cause,
            )
            session.add(incident)
            await session.flush()
            session.add(self._event("down", monitor_id, incident.id, started, cause, decided))
            incident_id = incident.id
        await self.relay.relay()
        return incident_id

    async def recover(self, monitor_id: int, incident_id: int) -> None:
        async with self.sessions() as session, session.begin():
            incident = await session.get(Incident, incident_id)
            assert incident is not None
            incident.status, incident.resolved_at = "resolved", now()
            session.add(self._event("up", monitor_id, incident_id, now(), None, now()))
        await self.relay.relay()

    async def emit(self, type_: str, monitor_id: int, incident_id: int) -> None:
        async with self.sessions() as session, session.begin():
            session.add(self._event(type_, monitor_id, incident_id, now(), None, now()))
        await self.relay.relay()

    @staticmethod
    def _event(
        type_: str,
        monitor_id: int,
        incident_id: int,
        at: datetime,
        cause: str | None,
        decided: datetime,
    ) -> OutboxEvent:
        return OutboxEvent(
            type=type_,
            monitor_id=monitor_id,
            incident_id=incident_id,
            at=at,
            cause=cause,
            created_at=decided,
        )


def make_notifier(
    sessions: SessionFactory,
    stream: EventStream,
    *,
    rate_limit: int = 10,
    retry: RetryPolicy = FAST_RETRY,
    **options: Any,
) -> Notifier:
    dispatcher = Dispatcher(
        sessions=sessions, sender=AppriseSender(), rate_limit=rate_limit, retry=retry
    )
    return Notifier(stream=stream, sessions=sessions, dispatcher=dispatcher, **options)


class Running:
    """A notifier task that the test stops at the end."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(notifier.run(self.stop))

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, timeout=10)


@pytest.fixture
def stream() -> EventStream:
    return MemoryEventStream()


@pytest.fixture
def world(sessions: SessionFactory, stream: EventStream) -> World:
    return World(sessions, stream)


@pytest.fixture
async def start_notifier(sessions: SessionFactory, stream: EventStream) -> AsyncIterator[Any]:
    running: list[Running] = []

    def start(**options: Any) -> Notifier:
        started = Running(make_notifier(sessions, stream, **options))
        running.append(started)
        return started.notifier

    yield start
    for item in running:
        await item.close()


@pytest.fixture
async def redis_client() -> AsyncIterator[redis.Redis]:
    """A plain client of the test Redis, to look at streams and consumer groups."""
    client = redis.from_url(REDIS_URL, decode_responses=True)
    yield client
    await client.aclose()
