"""The Broker contract, run against every implementation in conftest's `broker` params
(in-process and RabbitMQ): delivery order, acks and rejects, prefetch, redelivery and
closing consumers.

Only the interface is used, so the same tests hold the RabbitMQ broker to the same
semantics as the in-process one. The typed queues on top are in test_queues.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from betteruptime.transport.base import Broker
from transport.conftest import NOTHING_WAIT, assert_nothing_arrives, receive, receive_bodies

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
