"""A notifier in a process of its own that SIGKILLs itself at a chosen point: the victim
of the crash tests (tests/notifier/test_crash.py).

    python tests/testkit/notifier_process.py DATABASE_URL REDIS_URL STREAM_KEY \
        --consumer first --crash before-ack

It is built like `make_notifier` in tests/notifier/conftest.py (Apprise, a fast retry
policy) on the database and the Redis stream given, and reads the group "notifier". The
crash points, each a real `kill -9` of this process:

* after-read: a batch was read from the group; nothing is planned yet;
* mid-send: the notification is claimed (status `sending`, a lease) and the webhook is
  not yet called (--lease-seconds shortens the lease so a test need not wait 2 minutes);
* before-ack: the message was sent and recorded (the `before_ack` hook), not acked.

It writes `crashing at=<point> entries=<n>` to stderr just before the kill. If it has
not crashed after --give-up-after seconds it exits with status 3.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import NoReturn

from betteruptime.alerting.render import Rendered
from betteruptime.alerting.retry import RetryPolicy
from betteruptime.alerting.sender import AppriseSender, SendOutcome
from betteruptime.db.session import create_engine, session_factory
from betteruptime.logs import configure
from betteruptime.notifier.dispatch import DEFAULT_LEASE, Dispatcher
from betteruptime.notifier.service import Notifier
from betteruptime.transport.base import StreamEntry
from betteruptime.transport.redis import RedisEventStream

CRASH_POINTS = ("after-read", "mid-send", "before-ack")
FAST_RETRY = RetryPolicy(max_attempts=5, first_delay_seconds=0.1, factor=1.5)
NEVER_CRASHED = 3


def die(point: str, entries: int) -> NoReturn:
    sys.stderr.write(f"crashing at={point} entries={entries}\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("still alive after SIGKILL")


class KillAfterRead(RedisEventStream):
    async def read(
        self, group: str, consumer: str, *, count: int, block_ms: int
    ) -> list[StreamEntry]:
        entries = await super().read(group, consumer, count=count, block_ms=block_ms)
        if entries:
            die("after-read", len(entries))
        return entries


class KillOnSend:
    """A sender that dies instead of sending: the row is claimed, nothing went out."""

    async def send(self, url: str, message: Rendered, *, kind: str) -> SendOutcome:
        die("mid-send", 1)


async def kill_before_ack(entries: Sequence[StreamEntry]) -> None:
    die("before-ack", len(entries))


async def main(args: argparse.Namespace) -> int:
    configure("INFO")
    engine = create_engine(args.database_url)
    sessions = session_factory(engine)
    stream_class = KillAfterRead if args.crash == "after-read" else RedisEventStream
    stream = await stream_class.connect(args.redis_url, key=args.stream_key)
    sender = KillOnSend() if args.crash == "mid-send" else AppriseSender()
    lease = DEFAULT_LEASE if args.lease_seconds is None else timedelta(seconds=args.lease_seconds)
    dispatcher = Dispatcher(sessions=sessions, sender=sender, retry=FAST_RETRY, lease=lease)
    notifier = Notifier(
        stream=stream,
        sessions=sessions,
        dispatcher=dispatcher,
        consumer=args.consumer,
        claim_idle_ms=args.claim_idle_ms,
        before_ack=kill_before_ack if args.crash == "before-ack" else None,
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(args.give_up_after, stop.set)
    try:
        await notifier.run(stop)
    finally:
        await stream.close()
        await engine.dispose()
    sys.stderr.write(f"never crashed: handled={notifier.handled}\n")
    return NEVER_CRASHED


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("database_url")
    parser.add_argument("redis_url")
    parser.add_argument("stream_key")
    parser.add_argument("--consumer", default="victim")
    parser.add_argument("--crash", choices=CRASH_POINTS, default="before-ack")
    parser.add_argument("--claim-idle-ms", type=int, default=30_000)
    parser.add_argument("--lease-seconds", type=float, default=None)
    parser.add_argument("--give-up-after", type=float, default=30.0)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
