"""Real engines for tests: a throw-away PostgreSQL database, clean queues and streams.

Each helper skips the test with the reason when its engine is absent, or fails it under
CI=true, where a skip would hide a broken set-up.

Under pytest-xdist every worker has engines of its own, so tests in parallel never share
a queue or a stream: a RabbitMQ virtual host `betteruptime_test_<worker>` (made by
`ensure_worker_vhost` the first time) and a Redis database numbered after the worker.
PostgreSQL databases are throw-away and unique already.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# "gw0", "gw1", … in a pytest-xdist worker (set before anything is imported); else None.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
WORKER_VHOST = f"betteruptime_test_{WORKER}" if WORKER else None


def _worker_url(url: str, path: str | None) -> str:
    """`url` with its path (vhost, database number) replaced by this worker's own."""
    if path is None:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{path}"))


RABBITMQ_URL = _worker_url(
    os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"), WORKER_VHOST
)
REDIS_URL = _worker_url(
    os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
    # Database 0 stays the serial run's; Redis has 16.
    str(1 + int(WORKER.removeprefix("gw")) % 15) if WORKER else None,
)


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


async def _vhost_reachable(url: str) -> bool:
    import aio_pika

    try:
        connection = await aio_pika.connect(url, timeout=5)
    except Exception:
        return False
    await connection.close()
    return True


def ensure_worker_vhost() -> None:
    """Make this xdist worker's RabbitMQ virtual host if the broker lacks it (once per
    machine: virtual hosts outlive the broker's restarts). Needs rabbitmqctl, as on the
    machine that runs RabbitMQ; without it, tests that need the broker say so."""
    if WORKER_VHOST is None or asyncio.run(_vhost_reachable(RABBITMQ_URL)):
        return
    rabbitmqctl = shutil.which("rabbitmqctl")
    if rabbitmqctl is None:
        return
    user = urlsplit(RABBITMQ_URL).username or "guest"
    for command in (
        ["add_vhost", WORKER_VHOST],
        ["set_permissions", "-p", WORKER_VHOST, user, ".*", ".*", ".*"],
    ):
        subprocess.run([rabbitmqctl, *command], capture_output=True, timeout=60, check=False)
