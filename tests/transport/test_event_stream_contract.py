"""The EventStream contract, run against every implementation in conftest's `stream` params
(in-process and Redis Streams): publishing, consumer groups, pending entries, claiming
and blocking reads.

Only the interface is used, so the Redis Streams implementation is held to the same
semantics as the in-process one: consumer groups, pending entries and claiming.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from betteruptime.transport.base import EventStream, StreamEntry

# Short blocks when a read is expected to find nothing, to keep the suite fast.
EMPTY_BLOCK_MS = 20
IDLE_MS = 100


def bodies(entries: list[StreamEntry]) -> list[bytes]:
    return [entry.body for entry in entries]


def ids(entries: list[StreamEntry]) -> list[str]:
    return [entry.id for entry in entries]


async def read(
    stream: EventStream, group: str, consumer: str = "c1", *, count: int = 100
) -> list[StreamEntry]:
    return await stream.read(group, consumer, count=count, block_ms=EMPTY_BLOCK_MS)


# --- publishing and reading ---------------------------------------------------------


async def test_publish_returns_one_id_per_entry_in_stream_order(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    first = await stream.publish([b"a", b"b"])
    second = await stream.publish([b"c"])

    entries = await read(stream, unique("group"))

    assert len(set(first + second)) == 3
    assert ids(entries) == first + second
    assert bodies(entries) == [b"a", b"b", b"c"]


async def test_publishing_nothing_returns_no_ids(stream: EventStream) -> None:
    assert await stream.publish([]) == []


async def test_a_group_reads_each_entry_once(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    group = unique("group")
    await stream.publish([b"1", b"2", b"3", b"4", b"5"])

    assert bodies(await read(stream, group, count=3)) == [b"1", b"2", b"3"]
    assert bodies(await read(stream, group, count=3)) == [b"4", b"5"]
    assert await read(stream, group) == []


async def test_consumers_of_one_group_share_the_entries(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    group = unique("group")
    await stream.publish([b"1", b"2", b"3", b"4"])

    first = await read(stream, group, "c1", count=2)
    second = await read(stream, group, "c2", count=10)

    assert bodies(first) + bodies(second) == [b"1", b"2", b"3", b"4"]


async def test_every_group_sees_every_entry(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    published = await stream.publish([b"a", b"b", b"c"])
    notifier, auditor = unique("group"), unique("group")

    assert ids(await read(stream, notifier)) == published
    assert ids(await read(stream, auditor)) == published


async def test_a_group_only_gets_entries_it_has_not_read_yet(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    group = unique("group")
    await stream.publish([b"old"])
    await read(stream, group)

    await stream.publish([b"new"])

    assert bodies(await read(stream, group)) == [b"new"]


# --- pending and acks ---------------------------------------------------------------


async def test_unacked_entries_stay_pending_and_acked_ones_do_not(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    group = unique("group")
    published = await stream.publish([b"a", b"b", b"c"])
    await read(stream, group, "reader")

    await stream.ack(group, [published[0]])

    pending = await stream.claim_stale(group, "other", min_idle_ms=0, count=10)
    assert ids(pending) == published[1:]
    assert await read(stream, group, "reader") == []  # pending is not new


async def test_acking_in_one_group_leaves_the_other_groups_entries_pending(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    first, second = unique("group"), unique("group")
    published = await stream.publish([b"a"])
    await read(stream, first)
    await read(stream, second)

    await stream.ack(first, published)

    assert await stream.claim_stale(first, "other", min_idle_ms=0, count=10) == []
    assert ids(await stream.claim_stale(second, "other", min_idle_ms=0, count=10)) == published


async def test_acking_an_entry_twice_is_harmless(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    group = unique("group")
    published = await stream.publish([b"a"])
    await read(stream, group)

    await stream.ack(group, published)
    await stream.ack(group, published)

    assert await stream.claim_stale(group, "other", min_idle_ms=0, count=10) == []


# --- claiming -----------------------------------------------------------------------


async def test_a_live_consumer_claims_entries_idle_on_a_dead_one_but_not_fresh_or_acked_ones(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    group = unique("group")
    stale = await stream.publish([b"stale-acked", b"stale"])
    await read(stream, group, "dead")
    await stream.ack(group, stale[:1])
    await asyncio.sleep(IDLE_MS * 1.5 / 1000)
    await stream.publish([b"fresh"])
    await read(stream, group, "dead")

    claimed = await stream.claim_stale(group, "live", min_idle_ms=IDLE_MS, count=10)

    assert bodies(claimed) == [b"stale"]
    assert ids(claimed) == stale[1:]


async def test_a_claimed_entry_is_fresh_again_for_its_new_owner(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    group = unique("group")
    await stream.publish([b"a"])
    await read(stream, group, "dead")
    await asyncio.sleep(IDLE_MS * 1.5 / 1000)
    assert len(await stream.claim_stale(group, "live", min_idle_ms=IDLE_MS, count=10)) == 1

    assert await stream.claim_stale(group, "third", min_idle_ms=IDLE_MS, count=10) == []


async def test_a_claimed_and_acked_entry_is_done(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    group = unique("group")
    await stream.publish([b"a"])
    await read(stream, group, "dead")
    claimed = await stream.claim_stale(group, "live", min_idle_ms=0, count=10)

    await stream.ack(group, ids(claimed))

    assert await stream.claim_stale(group, "third", min_idle_ms=0, count=10) == []


async def test_claiming_takes_at_most_count_entries_oldest_first(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    group = unique("group")
    published = await stream.publish([b"1", b"2", b"3", b"4", b"5"])
    await read(stream, group, "dead")

    first = await stream.claim_stale(group, "live", min_idle_ms=0, count=2)
    everything = await stream.claim_stale(group, "other", min_idle_ms=0, count=10)

    assert ids(first) == published[:2]
    assert ids(everything) == published


async def test_claiming_in_a_group_with_nothing_pending_finds_nothing(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    await stream.publish([b"unread"])

    assert await stream.claim_stale(unique("group"), "live", min_idle_ms=0, count=10) == []


# --- blocking reads -----------------------------------------------------------------


async def test_a_blocking_read_of_an_empty_stream_returns_nothing_after_block_ms(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    started = time.monotonic()

    entries = await stream.read(unique("group"), "c1", count=10, block_ms=100)

    elapsed = time.monotonic() - started
    assert entries == []
    assert 0.09 <= elapsed < 0.5


async def test_a_blocking_read_of_a_read_out_group_waits_too(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    group = unique("group")
    await stream.publish([b"a"])
    await read(stream, group)
    started = time.monotonic()

    entries = await stream.read(group, "c1", count=10, block_ms=100)

    assert entries == []
    assert time.monotonic() - started >= 0.09


async def test_a_blocking_read_wakes_as_soon_as_an_entry_is_published(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    group = unique("group")
    started = time.monotonic()
    reading = asyncio.create_task(stream.read(group, "c1", count=10, block_ms=5_000))
    await asyncio.sleep(0.05)
    assert not reading.done()

    published = await stream.publish([b"wake"])

    entries = await asyncio.wait_for(reading, 2.0)
    assert ids(entries) == published
    assert time.monotonic() - started < 1.0


async def test_blocked_readers_of_two_groups_both_wake_on_one_entry(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    groups = [unique("group"), unique("group")]
    readers = [
        asyncio.create_task(stream.read(group, "c1", count=10, block_ms=5_000)) for group in groups
    ]
    await asyncio.sleep(0.05)

    published = await stream.publish([b"wake"])

    results = await asyncio.wait_for(asyncio.gather(*readers), 2.0)
    assert [ids(entries) for entries in results] == [published, published]


async def test_a_consumer_takes_back_its_own_entries_once_they_are_idle(
    stream: EventStream, unique: Callable[[str], str]
) -> None:
    # A notifier that failed to handle what it read (database away) retries it this way.
    group = unique("group")
    published = await stream.publish([b"a"])
    await read(stream, group, "same")
    await asyncio.sleep(IDLE_MS * 1.5 / 1000)

    claimed = await stream.claim_stale(group, "same", min_idle_ms=IDLE_MS, count=10)

    assert ids(claimed) == published
