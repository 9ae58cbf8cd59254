"""The one engine and session factory for a database URL.

SQLite runs in WAL mode so the API reads while the ingester writes; PostgreSQL goes
through asyncpg. Callers pass the plain URLs from DESIGN.md; drivers are added here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SessionFactory = async_sessionmaker[AsyncSession]


def async_url(url: str) -> str:
    """Map `sqlite:///x.db` and `postgresql://…` to their asyncio drivers."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername="sqlite+aiosqlite"))
    if backend in {"postgresql", "postgres"}:
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database: {backend}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL is durable across application crashes in WAL mode; only an OS crash can
    # lose the last transactions, which is the usual trade for write throughput.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    full_url = async_url(url)
    if full_url.startswith("sqlite"):
        engine = create_async_engine(full_url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(full_url, **kwargs)


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


class AtomicSession(AsyncSession):
    """A session whose commit() only flushes: the commits of the services run through it
    become steps of one transaction, which `finish()` commits. Leaving it unfinished
    rolls all back. (Config as code applies a file this way, the API a bulk action.)"""

    async def commit(self) -> None:
        await self.flush()

    async def finish(self) -> None:
        await super().commit()
