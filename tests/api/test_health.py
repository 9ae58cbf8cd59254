"""/healthz answers for the database, without authentication."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from betteruptime.api.app import create_app
from betteruptime.settings import Settings


async def test_it_reports_ok_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_it_reports_503_when_the_database_does_not_answer(settings: Settings) -> None:
    # A directory cannot be opened as a SQLite database: every query fails.
    engine = create_async_engine("sqlite+aiosqlite:////")
    app = create_app(settings, async_sessionmaker(engine))
    transport = httpx.ASGITransport(app=app)

    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/healthz")

    await engine.dispose()
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}
