"""The Broker contract, run against every implementation in conftest's `broker` params.

Only the interface is used, so the same tests hold the RabbitMQ broker to the same
semantics as the in-process one. The typed queues (transport/queues.py) are tested on top.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from betteruptime.domain.messages import CheckJob, CheckResult, ProbeSpec, Timings
from betteruptime.transport.base import Broker, Consumer, Message
from betteruptime.transport.queues import (
    RESULTS_QUEUE,
    JobQueue,
    ResultQueue,
    jobs_queue,
)

# Long enough for a message that is there to be delivered; short enough to keep this fast.
NOTHING_WAIT = 0.05
# Only a guard against hanging: a message that is there arrives long before this.
ARRIVAL_WAIT = 1.0


async def receive(consumer: Consumer) -> Message:
    return await asyncio.wait_for(consumer.get(), ARRIVAL_WAIT)


async def receive_bodies(consumer: Consumer, count: int, *, ack: bool = True) -> list[bytes]:
    bodies = []
    for _ in range(count):
        message = await receive(consumer)
        bodies.append(message.body)
        if ack:
            await message.ack()
    return bodies


async def assert_nothing_arrives(consumer: Consumer) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(consumer.get(), NOTHING_WAIT)


# --- delivery -----------------------------------------------------------------------


async def test_messages_are_delivered_in_publish_order(broker: Broker, queue: str) -> None:
    await broker.publish(queue, [b"a", b"b"])
    await broker.publish(queue, [b"c"])
    consumer = await broker.consumer(queue, prefetch=10)

    assert await receive_bodies(consumer, 3) == [b"a", b"b", b"c"]
    await consumer.close()


async def test_a_first_delivery_is_not_flagged_as_redelivered(broker: Broker, queue: str) -> None:
    await broker.publish(queue, [b"a"])
    consumer = await broker.consumer(queue, prefetch=1)

    message = await receive(consumer)

    assert message.redelivered is False
    await message.ack()
    await consumer.close()


async def test_a_waiting_get_receives_the_next_published_message(
    broker: Broker, queue: str
) -> None:
    consumer = await broker.consumer(queue, prefetch=1)
    waiting = asyncio.create_task(receive(consumer))
    await asyncio.sleep(NOTHING_WAIT)
    assert not waiting.done()

    await broker.publish(queue, [b"late"])

    assert (await waiting).body == b"late"
    await consumer.close()


async def test_publishing_to_one_queue_leaves_others_empty(
    broker: Broker, unique: Callable[[str], str]
) -> None:
    first, second = unique("queue"), unique("queue")
    other = await broker.consumer(second, prefetch=1)

    await broker.publish(first, [b"a"])

    await assert_nothing_arrives(other)
    assert await broker.queue_depth(second) == 0
    await other.close()


async def test_consumers_of_one_queue_share_its_messages_without_duplicates(
    broker: Broker, queue: str
) -> None:
    await broker.publish(queue, [str(n).encode() for n in range(10)])
    first = await broker.consumer(queue, prefetch=1)
    second = await broker.consumer(queue, prefetch=1)

    bodies = []
    for _ in range(5):
        bodies += await receive_bodies(first, 1)
        bodies += await receive_bodies(second, 1)

    assert sorted(bodies) == sorted(str(n).encode() for n in range(10))
    await first.close()
    await second.close()


async def test_queue_depth_counts_the_messages_waiting_to_be_delivered(
    broker: Broker, queue: str
) -> None:
    await broker.publish(queue, [b"a", b"b", b"c"])
    assert await broker.queue_depth(queue) == 3
    consumer = await broker.consumer(queue, prefetch=1)

    message = await receive(consumer)
    assert await broker.queue_depth(queue) == 2  # delivered, even though not yet acked

    await message.ack()
    await receive_bodies(consumer, 2)
    assert await broker.queue_depth(queue) == 0
    await consumer.close()


# --- prefetch -----------------------------------------------------------------------


async def test_a_consumer_holds_no_more_than_prefetch_unacked_messages(
    broker: Broker, queue: str
) -> None:
    await broker.publish(queue, [b"a", b"b", b"c"])
    consumer = await broker.consumer(queue, prefetch=2)
    first = await receive(consumer)
    await receive(consumer)

    await assert_nothing_arrives(consumer)

    await first.ack()
    assert (await receive(consumer)).body == b"c"
    await consumer.close()


async def test_a_rejected_message_frees_its_prefetch_slot(broker: Broker, queue: str) -> None:
    await broker.publish(queue, [b"a", b"b"])
    consumer = await broker.consumer(queue, prefetch=1)
    first = await receive(consumer)
    await assert_nothing_arrives(consumer)

    await first.reject(requeue=False)

    assert (await receive(consumer)).body == b"b"
    await consumer.close()


# --- ack and reject -----------------------------------------------------------------


async def test_an_acked_message_is_gone_for_good(broker: Broker, queue: str) -> None:
    await broker.publish(queue, [b"a"])
    consumer = await broker.consumer(queue, prefetch=1)
    await (await receive(consumer)).ack()
    await consumer.close()

    later = await broker.consumer(queue, prefetch=1)

    await assert_nothing_arrives(later)
    assert await broker.queue_depth(queue) == 0
    await later.close()


async def test_a_message_rejected_with_requeue_comes_back_flagged_as_redelivered(
    broker: Broker, queue: str
) -> None:
    await broker.publish(queue, [b"a"])
    consumer = await broker.consumer(queue, prefetch=1)

    await (await receive(consumer)).reject(requeue=True)

    again = await receive(consumer)
    assert (again.body, again.redelivered) == (b"a", True)
    await again.ack()
    await consumer.close()


async def test_a_message_rejected_without_requeue_is_dropped(broker: Broker, queue: str) -> None:
    await broker.publish(queue, [b"poison", b"next"])
    consumer = await broker.consumer(queue, prefetch=1)

    await (await receive(consumer)).reject(requeue=False)

    assert await receive_bodies(consumer, 1) == [b"next"]
    await assert_nothing_arrives(consumer)
    assert await broker.queue_depth(queue) == 0
    await consumer.close()


async def test_closing_a_consumer_hands_its_unacked_messages_to_another_consumer(
    broker: Broker, queue: str
) -> None:
    """What a dead worker held is redelivered to a live one; what it acked is not."""
    await broker.publish(queue, [b"done", b"in-flight"])
    dying = await broker.consumer(queue, prefetch=2)
    await (await receive(dying)).ack()
    await receive(dying)

    await dying.close()

    survivor = await broker.consumer(queue, prefetch=10)
    message = await receive(survivor)
    assert (message.body, message.redelivered) == (b"in-flight", True)
    await message.ack()
    await assert_nothing_arrives(survivor)
    await survivor.close()


# --- cancellation -------------------------------------------------------------------


async def test_a_cancelled_waiting_get_loses_no_message_and_frees_its_prefetch_slot(
    broker: Broker, queue: str
) -> None:
    consumer = await broker.consumer(queue, prefetch=1)
    waiting = asyncio.create_task(consumer.get())
    await asyncio.sleep(NOTHING_WAIT)

    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await broker.publish(queue, [b"a"])

    # prefetch=1: had the cancelled get kept its slot, this would never return.
    assert (await receive(consumer)).body == b"a"
    await consumer.close()


async def test_a_get_cancelled_just_as_a_message_arrives_leaves_it_for_the_next_get(
    broker: Broker, queue: str
) -> None:
    consumer = await broker.consumer(queue, prefetch=1)
    waiting = asyncio.create_task(consumer.get())
    await asyncio.sleep(NOTHING_WAIT)

    await broker.publish(queue, [b"a"])
    waiting.cancel()  # before the woken get has had a chance to run

    try:
        message = await waiting  # an implementation may have delivered it already
    except asyncio.CancelledError:
        message = await receive(consumer)
    assert message.body == b"a"
    await message.ack()
    await assert_nothing_arrives(consumer)
    await consumer.close()


async def test_gets_timed_out_many_times_still_leave_the_slot_free(
    broker: Broker, queue: str
) -> None:
    consumer = await broker.consumer(queue, prefetch=1)
    for _ in range(5):
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(consumer.get(), 0.005)

    await broker.publish(queue, [b"a"])

    assert (await receive(consumer)).body == b"a"
    await consumer.close()


# --- typed queues -------------------------------------------------------------------


class Namespaced(Broker):
    """Prefixes every queue name, so typed queues with fixed names ("results", "jobs.eu")
    never meet another test's messages on a shared broker."""

    def __init__(self, inner: Broker, prefix: str) -> None:
        self.inner = inner
        self.prefix = prefix

    def name(self, queue: str) -> str:
        return f"{self.prefix}.{queue}"

    async def publish(self, queue: str, bodies: Sequence[bytes]) -> None:
        await self.inner.publish(self.name(queue), bodies)

    async def consumer(self, queue: str, *, prefetch: int) -> Consumer:
        return await self.inner.consumer(self.name(queue), prefetch=prefetch)

    async def queue_depth(self, queue: str) -> int:
        return await self.inner.queue_depth(self.name(queue))


@pytest.fixture
def isolated(broker: Broker, unique: Callable[[str], str]) -> Broker:
    return Namespaced(broker, unique("ns"))


DUE = datetime(2024, 3, 10, 13, 47, 12, 345678, tzinfo=UTC)


def job(monitor_id: int, region: str = "eu") -> CheckJob:
    spec = ProbeSpec(
        monitor_id=monitor_id,
        kind="json",
        url=f"https://example.com/health/{monitor_id}",
        method="POST",
        headers={"Authorization": "Bearer t", "X-Ünïcode": "✓"},
        body='{"ping": true}',
        expected_status=["200-299", "304"],
        json_path="$.status",
        json_expected={"nested": [1, 2.5, None, "ok"]},
        max_response_time_ms=800,
    )
    return CheckJob(spec=spec, region=region, due_at=DUE, expires_at=DUE + timedelta(seconds=30))


def result(monitor_id: int) -> CheckResult:
    return CheckResult(
        monitor_id=monitor_id,
        region="eu",
        due_at=DUE,
        checked_at=DUE + timedelta(milliseconds=812),
        up=False,
        response_time_ms=812.25,
        status_code=503,
        error="status 503 not in 200-299",
        timings=Timings(dns_ms=1.5, connect_ms=3.25, tls_ms=None, first_byte_ms=800.0),
    )


async def test_jobs_go_to_one_queue_per_region(isolated: Broker) -> None:
    jobs = JobQueue(isolated)

    await jobs.publish([job(1, "eu"), job(2, "us"), job(3, "eu")])

    assert await isolated.queue_depth(jobs_queue("eu")) == 1
    assert await isolated.queue_depth(jobs_queue("us")) == 1
    eu = await jobs.consumer("eu", prefetch=1)
    batch = await asyncio.wait_for(eu.get(), ARRIVAL_WAIT)
    assert batch.items == [job(1, "eu"), job(3, "eu")]
    await batch.ack()
    await eu.close()


async def test_jobs_are_published_in_batches_of_batch_size(isolated: Broker) -> None:
    jobs = JobQueue(isolated, batch_size=100)
    published = [job(n) for n in range(250)]

    await jobs.publish(published)

    assert await isolated.queue_depth(jobs_queue("eu")) == 3
    consumer = await jobs.consumer("eu", prefetch=3)
    batches = [await asyncio.wait_for(consumer.get(), ARRIVAL_WAIT) for _ in range(3)]
    assert [len(batch.items) for batch in batches] == [100, 100, 50]
    assert [item for batch in batches for item in batch.items] == published
    await consumer.close()


async def test_a_job_comes_out_exactly_as_it_went_in_with_utc_datetimes(
    isolated: Broker,
) -> None:
    jobs = JobQueue(isolated)
    await jobs.publish([job(7)])
    consumer = await jobs.consumer("eu", prefetch=1)

    (received,) = (await asyncio.wait_for(consumer.get(), ARRIVAL_WAIT)).items

    assert received == job(7)
    assert received.due_at.utcoffset() == timedelta(0)
    assert received.expires_at.utcoffset() == timedelta(0)
    await consumer.close()


async def test_a_result_comes_out_exactly_as_it_went_in(isolated: Broker) -> None:
    results = ResultQueue(isolated)
    await results.publish([result(1), result(2)])
    assert await results.depth() == 1
    consumer = await results.consumer(prefetch=1)

    batch = await asyncio.wait_for(consumer.get(), ARRIVAL_WAIT)

    assert batch.items == [result(1), result(2)]
    assert batch.items[0].checked_at.utcoffset() == timedelta(0)
    await batch.ack()
    assert await results.depth() == 0
    await consumer.close()


async def test_publishing_nothing_publishes_no_message(isolated: Broker) -> None:
    await JobQueue(isolated).publish([])
    await ResultQueue(isolated).publish([])

    assert await ResultQueue(isolated).depth() == 0
    assert await isolated.queue_depth(jobs_queue("eu")) == 0


async def test_a_rejected_batch_is_redelivered_as_a_whole(isolated: Broker) -> None:
    results = ResultQueue(isolated, batch_size=10)
    await results.publish([result(n) for n in range(3)])
    consumer = await results.consumer(prefetch=1)

    await (await asyncio.wait_for(consumer.get(), ARRIVAL_WAIT)).reject(requeue=True)

    again = await asyncio.wait_for(consumer.get(), ARRIVAL_WAIT)
    assert again.items == [result(n) for n in range(3)]
    assert again.message.redelivered is True
    await consumer.close()


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"not": "a list"}', b'[{"region": "eu"}]', b"\xff\xfe", b""],
    ids=["garbage", "wrong-shape", "missing-fields", "not-utf8", "empty"],
)
async def test_an_undecodable_body_is_dropped_and_the_next_batch_returned(
    isolated: Broker, body: bytes
) -> None:
    jobs = JobQueue(isolated)
    await isolated.publish(jobs_queue("eu"), [body])
    await jobs.publish([job(1)])
    consumer = await jobs.consumer("eu", prefetch=1)

    batch = await asyncio.wait_for(consumer.get(), ARRIVAL_WAIT)

    assert batch.items == [job(1)]
    assert await isolated.queue_depth(jobs_queue("eu")) == 0  # not put back
    await batch.ack()
    await consumer.close()
    later = await isolated.consumer(jobs_queue("eu"), prefetch=1)
    await assert_nothing_arrives(later)
    await later.close()


def test_queue_names_follow_the_documented_scheme() -> None:
    assert (jobs_queue("eu-west"), RESULTS_QUEUE) == ("jobs.eu-west", "results")


async def test_a_get_still_waiting_when_its_consumer_closes_takes_nothing_published_later(
    broker: Broker, queue: str
) -> None:
    """close() stops intake: a message published afterwards goes to a live consumer, not
    to the closed one's forgotten get(), where nobody would ever ack or return it."""
    closing = await broker.consumer(queue, prefetch=1)
    forgotten = asyncio.create_task(closing.get())
    await asyncio.sleep(NOTHING_WAIT)
    await closing.close()
    survivor = await broker.consumer(queue, prefetch=1)

    await broker.publish(queue, [b"a"])

    try:
        assert (await receive(survivor)).body == b"a"
    finally:
        forgotten.cancel()
        await asyncio.gather(forgotten, return_exceptions=True)
        await survivor.close()
