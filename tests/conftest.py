"""Shared fixtures: real databases (SQLite and PostgreSQL), migrated by our own migrations.

Tests that need a service skip with the reason when it is absent, except under CI=true,
where an absent service is a failure: CI must never go green by skipping.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
import trustme
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from betteruptime.db.migrate import upgrade
from betteruptime.db.models import Base, Monitor, MonitorState, User
from betteruptime.db.session import SessionFactory, create_engine, session_factory
from betteruptime.services.organizations import create_personal_organization
from testkit.api_target import ApiTarget
from testkit.dns_server import ZoneDnsServer
from testkit.engines import ensure_worker_vhost, temporary_postgres_db
from testkit.receivers import WebhookReceiver
from testkit.shop import Shop
from testkit.target import Target
from testkit.tls_server import make_ca


def pytest_configure(config: pytest.Config) -> None:
    # In a pytest-xdist worker: its own RabbitMQ virtual host (testkit/engines.py).
    ensure_worker_vhost()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated once."""
    with temporary_postgres_db() as url:
        upgrade(url)
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database of each kind; the same tests run against both."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        upgrade(url)
        return url
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_truncate_all(url))
    return url


async def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> SessionFactory:
    return session_factory(engine)


MonitorFactory = Callable[..., Awaitable[int]]


@pytest.fixture
def make_monitor(sessions: SessionFactory) -> MonitorFactory:
    """Insert a monitor (and its owner and state rows) directly; returns its id."""
    owners: dict[str, int] = {}

    async def make(owner: str = "owner@example.com", **fields: Any) -> int:
        async with sessions() as session, session.begin():
            if owner not in owners:
                user = User(email=owner, password_hash="x")
                session.add(user)
                await session.flush()
                organization = await create_personal_organization(session, user=user)
                owners[owner] = organization.id
            values: dict[str, Any] = {
                "name": "monitor",
                "kind": "http",
                "url": "http://127.0.0.1:9/",
                "interval_seconds": 60,
                "timeout_seconds": 5.0,
                "regions": ["default"],
                "expected_status": ["200-299"],
                "failure_threshold": 3,
                "recovery_threshold": 2,
                "headers": {},
                **fields,
            }
            monitor = Monitor(organization_id=owners[owner], **values)
            session.add(monitor)
            await session.flush()
            session.add(MonitorState(monitor_id=monitor.id, status="pending"))
            return monitor.id

    return make


@pytest.fixture
async def target() -> AsyncIterator[Target]:
    """A local HTTP target to take down and bring back (testkit/target.py)."""
    server = Target()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def api_target() -> AsyncIterator[ApiTarget]:
    """A local JSON API with a login and an endpoint that needs its token."""
    server = ApiTarget()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def webhook() -> AsyncIterator[WebhookReceiver]:
    """A local JSON webhook receiver for `json://` channels (testkit/receivers.py)."""
    receiver = WebhookReceiver()
    await receiver.start()
    yield receiver
    await receiver.stop()


@pytest.fixture
def cluster_database_url() -> Iterator[str]:
    """A PostgreSQL database of its own, for one test's distributed-mode processes."""
    with temporary_postgres_db() as url:
        yield url


@pytest.fixture
def ca() -> trustme.CA:
    """A test certificate authority (testkit/tls_server.py) for local HTTPS servers."""
    return make_ca()


@pytest.fixture
def dns_server() -> Iterator[ZoneDnsServer]:
    """A local DNS server with a zone the test sets (testkit/dns_server.py)."""
    server = ZoneDnsServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def browser_shop() -> AsyncIterator[Shop]:
    """A local shop page for browser checks (testkit/shop.py)."""
    server = Shop()
    await server.start()
    yield server
    await server.stop()
