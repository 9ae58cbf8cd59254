"""Real engines for tests: a throw-away PostgreSQL database, clean queues and streams.

Each helper skips the test with the reason when its engine is absent, or fails it under
CI=true, where a skip would hide a broken set-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def service_missing(reason: str) -> None:
    """Skip (or, under CI=true, fail) a test whose service is not there."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"required service unavailable in CI: {reason}")
    pytest.skip(reason)


async def _admin(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.contextmanager
def temporary_postgres_db() -> Iterator[str]:
    """A new, empty database (not migrated); dropped afterwards."""
    name = f"betteruptime_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # any failure to reach the server means it is absent
        service_missing(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error}")
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def purge_rabbitmq_queues(url: str, queues: list[str]) -> None:
    import aio_pika

    try:
        connection = await aio_pika.connect(url, timeout=5)
    except Exception as error:
        service_missing(f"RabbitMQ not reachable: {error}")
    async with connection:
        channel = await connection.channel()
        for name in queues:
            queue = await channel.declare_queue(name, durable=True)
            await queue.purge()


async def reset_redis_stream(url: str, key: str) -> None:
    import redis.asyncio as redis

    client = redis.from_url(url)
    try:
        await client.delete(key)
    except Exception as error:
        service_missing(f"Redis not reachable: {error}")
    finally:
        await client.aclose()
