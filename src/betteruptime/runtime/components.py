"""How each role is assembled from settings and engines; shared by `up` and the roles."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from betteruptime.alerting.retry import RetryPolicy
from betteruptime.alerting.sender import AppriseSender
from betteruptime.db.session import SessionFactory
from betteruptime.ingester.outbox import OutboxRelay
from betteruptime.ingester.service import Ingester
from betteruptime.notifier.dispatch import Dispatcher
from betteruptime.notifier.service import Notifier
from betteruptime.probes.browser import BrowserProbe
from betteruptime.probes.registry import Probes
from betteruptime.scheduler.heartbeats import HeartbeatClock
from betteruptime.scheduler.leadership import Leadership, PostgresLeadership, SoleLeader
from betteruptime.scheduler.service import Scheduler
from betteruptime.settings import Settings
from betteruptime.transport.base import Broker, EventStream
from betteruptime.transport.queues import HeartbeatQueue, JobQueue, ResultQueue
from betteruptime.worker.service import Worker


def leadership_for(settings: Settings, engine: AsyncEngine) -> Leadership:
    # SQLite serves one process, so there is no standby to elect among.
    return SoleLeader() if settings.is_sqlite else PostgresLeadership(engine)


def make_scheduler(
    settings: Settings, *, sessions: SessionFactory, engine: AsyncEngine, broker: Broker
) -> Scheduler:
    return Scheduler(
        sessions=sessions,
        jobs=JobQueue(broker),
        leadership=leadership_for(settings, engine),
        retention_days=settings.retention_days,
        heartbeats=HeartbeatClock(sessions=sessions, results=ResultQueue(broker)),
    )


def make_worker(
    settings: Settings, *, broker: Broker, region: str, chromium: str | None = None
) -> tuple[Worker, Probes]:
    """A worker of `region`; with `chromium` (an executable), one that takes the region's
    browser checks too, in that Chromium."""
    policy = settings.target_policy()
    browser = BrowserProbe(executable=chromium, policy=policy) if chromium else None
    probes = Probes(policy, rdap_bootstrap_url=settings.rdap_bootstrap_url, browser=browser)
    worker = Worker(
        jobs=JobQueue(broker),
        results=ResultQueue(broker),
        heartbeats=HeartbeatQueue(broker),
        probes=probes,
        region=region,
        concurrency=settings.worker_concurrency,
        browser_pages=settings.browser_pages if chromium else None,
    )
    return worker, probes


def make_ingester(
    settings: Settings, *, sessions: SessionFactory, broker: Broker, stream: EventStream
) -> tuple[Ingester, HeartbeatQueue]:
    relay = OutboxRelay(
        sessions=sessions,
        stream=stream,
        republish_after=timedelta(seconds=settings.republish_seconds),
    )
    return Ingester(sessions=sessions, results=ResultQueue(broker), relay=relay), HeartbeatQueue(
        broker
    )


def make_notifier(
    settings: Settings, *, sessions: SessionFactory, stream: EventStream
) -> tuple[Notifier, AppriseSender]:
    sender = AppriseSender(policy=settings.target_policy())
    dispatcher = Dispatcher(
        sessions=sessions,
        sender=sender,
        rate_limit=settings.channel_rate_limit,
        retry=RetryPolicy(first_delay_seconds=settings.notify_retry_seconds),
        lease=timedelta(seconds=settings.notify_lease_seconds),
    )
    notifier = Notifier(
        stream=stream,
        sessions=sessions,
        dispatcher=dispatcher,
        base_url=settings.public_base_url(),
    )
    return notifier, sender
