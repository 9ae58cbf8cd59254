"""Dashboard fixtures: the real app over a migrated SQLite file (the API's fixtures),
and browsers-as-httpx-clients that sign up through the forms and keep their cookies."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.conftest import (  # noqa: F401  (fixtures, shared with the API tests)
    PASSWORD,
    alice,
    app,
    bob,
    cheap_password_hashing,
    client,
    create_channel,
    create_monitor,
    database_url,
    login,
    migrated_template,
    settings,
)
from betteruptime.db.models import Monitor, MonitorState, Rollup
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.domain.rollups import Aggregate

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
Browser = httpx.AsyncClient
OpenBrowser = Callable[..., Awaitable[Browser]]


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def post_form(browser: Browser, page: str, action: str, **fields: str) -> httpx.Response:
    """Open `page`, then send its form to `action` with the page's CSRF token."""
    token = csrf_token((await browser.get(page)).text)
    return await browser.post(action, data={"csrf_token": token, **fields})


@pytest.fixture
async def open_browser(app: FastAPI) -> AsyncIterator[OpenBrowser]:  # noqa: F811
    """A new cookie jar on the app; signed in as `email` (created if new) unless None."""
    async with AsyncExitStack() as stack:

        async def open_one(
            email: str | None = "alice@example.com", *, base_url: str = "http://test"
        ) -> Browser:
            transport = httpx.ASGITransport(app=app)
            browser = await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url=base_url)
            )
            if email is not None:
                signed_up = await post_form(
                    browser, "/signup", "/signup", email=email, password=PASSWORD
                )
                if signed_up.status_code == 409:
                    signed_up = await post_form(
                        browser, "/login", "/login", email=email, password=PASSWORD
                    )
                assert signed_up.status_code == 303, signed_up.text
            return browser

        yield open_one


async def set_status(sessions: SessionFactory, monitor_id: int, status: str, **fields: Any) -> None:
    async with sessions() as session, session.begin():
        state = await session.get(MonitorState, monitor_id)
        assert state is not None
        state.status = status
        for name, value in fields.items():
            setattr(state, name, value)


async def add_rollup(
    sessions: SessionFactory,
    model: type[Rollup],
    monitor_id: int,
    start: datetime,
    *,
    ok: int,
    failed: int = 0,
    ms: float = 100.0,
) -> None:
    aggregate = Aggregate()
    for _ in range(ok):
        aggregate.add(up=True, response_time_ms=ms)
    for _ in range(failed):
        aggregate.add(up=False, response_time_ms=None)
    async with sessions() as session, session.begin():
        row = model(monitor_id=monitor_id, bucket_start=start)
        row.store_aggregate(aggregate)
        session.add(row)


async def make_old(
    sessions: SessionFactory, monitor_id: int, age: timedelta = timedelta(days=2)
) -> None:
    """Made `age` ago: its charts and sparkline span their whole range, as an established
    monitor's do (a younger one's cover its life)."""
    async with sessions() as session, session.begin():
        monitor = await session.get(Monitor, monitor_id)
        assert monitor is not None
        monitor.created_at = utcnow() - age


async def monitor_paused(sessions: SessionFactory, monitor_id: int) -> bool | None:
    async with sessions() as session:
        monitor = await session.get(Monitor, monitor_id)
        return None if monitor is None else monitor.paused
