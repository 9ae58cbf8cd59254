"""A notifier killed after reading an event and before acknowledging it: the event is
redelivered to another notifier and the message goes out exactly once.

On Redis Streams the victim is a real process (tests/testkit/notifier_process.py) that
SIGKILLs itself at one of three points; a second notifier, another consumer of the group
"notifier", then claims the entry left pending. On the in-process stream the victim is a
task cancelled while it waits to ack. Every case runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
import redis.asyncio as redis
from sqlalchemy import select

from betteruptime.db.models import DeliveryAttempt, Notification
from betteruptime.db.session import SessionFactory
from betteruptime.notifier.service import GROUP
from betteruptime.transport.base import StreamEntry, TransportError
from betteruptime.transport.memory import MemoryEventStream
from betteruptime.transport.redis import RedisEventStream
from notifier.conftest import Running, World, make_notifier
from testkit.engines import REDIS_URL, service_missing
from testkit.receivers import WebhookReceiver
from testkit.waiting import eventually

VICTIM = Path(__file__).resolve().parents[1] / "testkit" / "notifier_process.py"
CLAIM_IDLE_MS = 200
# The victim's lease on the row it was sending (mid-send): the redelivery resends after it.
LEASE_SECONDS = 1.0
# How long a duplicate gets to show up before the count is final.
QUIET_SECONDS = 1.5


@pytest.fixture
async def redis_stream() -> AsyncIterator[RedisEventStream]:
    key = f"test.crash.{uuid.uuid4().hex[:12]}"
    try:
        stream = await RedisEventStream.connect(REDIS_URL, key=key)
    except TransportError as error:
        service_missing(str(error))
        raise
    yield stream
    await stream.delete_stream()
    await stream.close()


async def redis_pending(client: redis.Redis, key: str) -> list[tuple[str, int]]:
    """(consumer, times delivered) of every entry pending in the group (XPENDING)."""
    rows = await client.xpending_range(key, GROUP, min="-", max="+", count=100)
    return [(str(row["consumer"]), int(row["times_delivered"])) for row in rows]


def memory_pending(stream: MemoryEventStream) -> list[str]:
    """Consumers holding the group's pending entries (the in-process PEL)."""
    group = stream._groups.get(GROUP)
    return [] if group is None else [pending.consumer for pending in group.pending.values()]


async def notifications(sessions: SessionFactory) -> list[tuple[str, int]]:
    async with sessions() as session:
        rows = await session.scalars(select(Notification).order_by(Notification.id))
        return [(row.status, row.attempts) for row in rows]


async def attempts(sessions: SessionFactory) -> list[bool]:
    async with sessions() as session:
        rows = await session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id))
        return [row.ok for row in rows]


async def run_victim(
    database_url: str, stream_key: str, crash: str, *, within: float = 30
) -> tuple[int, str]:
    """Run the self-killing notifier to its end; (return code, its log)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(VICTIM),
        database_url,
        REDIS_URL,
        stream_key,
        "--consumer",
        "first",
        "--crash",
        crash,
        "--lease-seconds",
        str(LEASE_SECONDS),
        "--give-up-after",
        str(within - 5),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=within)
    except TimeoutError:
        process.kill()
        output, _ = await process.communicate()
        raise AssertionError(f"the victim never ended:\n{output.decode()}") from None
    assert process.returncode is not None
    return process.returncode, output.decode()


# What the victim leaves behind at each crash point: (messages received, notifications).
LEFT_BEHIND: dict[str, tuple[int, list[tuple[str, int]]]] = {
    "after-read": (0, []),  # nothing planned
    "mid-send": (0, [("sending", 1)]),  # claimed, leased, never sent
    "before-ack": (1, [("sent", 1)]),  # sent and recorded
}


@pytest.mark.parametrize("crash", list(LEFT_BEHIND))
async def test_a_notifier_killed_before_acking_leaves_the_event_to_another_on_redis(
    crash: str,
    database_url: str,
    sessions: SessionFactory,
    redis_stream: RedisEventStream,
    redis_client: redis.Redis,
    webhook: WebhookReceiver,
) -> None:
    world = World(sessions, redis_stream)
    channel = await world.channel(webhook.url())
    monitor = await world.monitor("shop", [(channel, {})])
    await world.go_down(monitor, cause="HTTP 503")
    started = time.monotonic()

    returncode, log = await run_victim(database_url, redis_stream.key, crash)
    died_after = time.monotonic() - started
    assert returncode == -signal.SIGKILL, log
    assert f"crashing at={crash} entries=1" in log, log
    pending = await redis_pending(redis_client, redis_stream.key)
    received, rows = LEFT_BEHIND[crash]
    assert pending == [("first", 1)], log
    assert len(webhook.received) == received, log
    assert await notifications(sessions) == rows, log

    await asyncio.sleep(CLAIM_IDLE_MS / 1000)  # stale enough for the first claim pass
    second = Running(
        make_notifier(sessions, redis_stream, consumer="second", claim_idle_ms=CLAIM_IDLE_MS)
    )
    try:

        async def settled() -> bool:
            left = await redis_pending(redis_client, redis_stream.key)
            return second.notifier.handled >= 1 and not left and len(webhook.received) >= 1

        await eventually(settled, within=20, what="the redelivered event handled and acked")
        recovered_after = time.monotonic() - started
        await asyncio.sleep(QUIET_SECONDS)
    finally:
        await second.close()

    print(
        f"\n[{crash}] victim died (SIGKILL) after {died_after:.1f} s with {len(pending)} entry "
        f"pending, {received} message(s) out; the second notifier handled "
        f"{second.notifier.handled} redelivered entry and sent {second.notifier.dispatcher.sent}; "
        f"settled at {recovered_after:.1f} s; messages received: {len(webhook.received)}; "
        f"pending now: {await redis_pending(redis_client, redis_stream.key)}"
    )
    assert second.notifier.handled == 1
    assert webhook.titles() == ["[DOWN] shop"]
    assert await redis_pending(redis_client, redis_stream.key) == []
    # The victim's send stands (before-ack); a claimed send that never went out is
    # claimed again once its lease ends (mid-send): the second attempt of the same row.
    assert await notifications(sessions) == [("sent", 2 if crash == "mid-send" else 1)]
    assert await attempts(sessions) == [True]
    assert second.notifier.dispatcher.sent == (0 if crash == "before-ack" else 1)


async def test_a_notifier_dead_before_acking_leaves_the_event_to_another_in_process(
    sessions: SessionFactory, webhook: WebhookReceiver
) -> None:
    stream = MemoryEventStream()
    world = World(sessions, stream)
    channel = await world.channel(webhook.url())
    monitor = await world.monitor("shop", [(channel, {})])
    await world.go_down(monitor, cause="HTTP 503")
    started = time.monotonic()

    held: list[StreamEntry] = []
    waiting_to_ack = asyncio.Event()

    async def hang(entries: Sequence[StreamEntry]) -> None:
        held.extend(entries)
        waiting_to_ack.set()
        await asyncio.Event().wait()  # never acks

    first = make_notifier(sessions, stream, consumer="first", before_ack=hang)
    first_task = asyncio.create_task(first.run(asyncio.Event()))
    await asyncio.wait_for(waiting_to_ack.wait(), timeout=10)
    first_task.cancel()  # dies: what it read stays pending on it
    with contextlib.suppress(asyncio.CancelledError):
        await first_task
    assert len(held) == 1
    assert memory_pending(stream) == ["first"]
    assert webhook.titles() == ["[DOWN] shop"]
    assert await notifications(sessions) == [("sent", 1)]

    await asyncio.sleep(CLAIM_IDLE_MS / 1000)  # stale enough for the first claim pass
    second = Running(
        make_notifier(sessions, stream, consumer="second", claim_idle_ms=CLAIM_IDLE_MS)
    )
    try:

        async def settled() -> bool:
            return second.notifier.handled >= 1 and not memory_pending(stream)

        await eventually(settled, within=20, what="the redelivered event handled and acked")
        recovered_after = time.monotonic() - started
        await asyncio.sleep(QUIET_SECONDS)
    finally:
        await second.close()

    print(
        f"\n[in-process] first notifier cancelled with {len(held)} entry pending; the second "
        f"handled {second.notifier.handled} redelivered entry and sent "
        f"{second.notifier.dispatcher.sent}; settled at {recovered_after:.1f} s; messages "
        f"received: {len(webhook.received)}; pending now: {memory_pending(stream)}"
    )
    assert second.notifier.handled == 1
    assert webhook.titles() == ["[DOWN] shop"]
    assert second.notifier.dispatcher.sent == 0
    assert memory_pending(stream) == []
    assert await notifications(sessions) == [("sent", 1)]
    assert await attempts(sessions) == [True]
