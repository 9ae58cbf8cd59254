"""Who may publish: exactly one active scheduler at a time.

On PostgreSQL the leader holds a session-level advisory lock on a connection of its own.
When its process dies, PostgreSQL ends that session and frees the lock, and a standby
polling `pg_try_advisory_lock` takes over within its poll interval. On SQLite (embedded,
one process) there is nobody to share with, so the scheduler is always the leader.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# An arbitrary, fixed 64-bit key: "betteruptime scheduler" for every process that asks.
LOCK_KEY = 0x62_75_73_63_68_65_64  # "buschedu" in ASCII, truncated


class Leadership(ABC):
    #: Whether takeover needs the published-until cursor (standbys exist).
    shared: bool = True

    @abstractmethod
    async def acquire(self) -> bool:
        """Try to become the leader, without waiting. True when this process leads."""

    @abstractmethod
    async def still_held(self) -> bool:
        """Whether the lead is still ours (the lock's connection is alive)."""

    @abstractmethod
    async def release(self) -> None: ...


class SoleLeader(Leadership):
    shared = False

    async def acquire(self) -> bool:
        return True

    async def still_held(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class PostgresLeadership(Leadership):
    def __init__(self, engine: AsyncEngine, key: int = LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        self._connection: AsyncConnection | None = None

    async def acquire(self) -> bool:
        if self._connection is not None and await self.still_held():
            return True
        await self._drop_connection()
        try:
            connection = await self._engine.connect()
        except Exception:
            return False  # database unreachable: nobody can lead; try again later
        try:
            got = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            )
            await connection.commit()
        except Exception:
            await connection.close()
            return False
        if got:
            self._connection = connection
            return True
        await connection.close()
        return False

    async def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            await self._connection.scalar(text("SELECT 1"))
            await self._connection.commit()
            return True
        except Exception:
            await self._drop_connection()
            return False

    async def release(self) -> None:
        if self._connection is not None:
            try:
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": self._key}
                )
                await self._connection.commit()
            except Exception:
                pass  # closing the session frees the lock all the same
        await self._drop_connection()

    async def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()
