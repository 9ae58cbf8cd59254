"""The typed queues (transport/queues.py) on every broker implementation: check jobs
routed by region and results, published in batches, decoded exactly as they went in;
an undecodable body is dropped, a rejected batch comes back whole."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from betteruptime.domain.messages import CheckJob, CheckResult, ProbeSpec, Timings
from betteruptime.transport.base import Broker, Consumer
from betteruptime.transport.queues import (
    RESULTS_QUEUE,
    JobQueue,
    ResultQueue,
    jobs_queue,
)
from transport.conftest import ARRIVAL_WAIT, assert_nothing_arrives


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
