"""The Broker on RabbitMQ (aio-pika): durable queues, persistent messages, publisher
confirms, bounded prefetch, and a robust connection that comes back by itself after a
RabbitMQ restart (aio-pika re-opens channels and re-registers consumers).

Messages a consumer held when its channel died are redelivered by RabbitMQ itself, with
the redelivered flag; acking them on the dead channel is impossible and not needed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
)
from yarl import URL

from betteruptime.logs import get_logger, kv
from betteruptime.transport.base import Broker, Consumer, Message, TransportError

log = get_logger("rabbitmq")


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return str(URL(url).with_password(None) if URL(url).password else URL(url))
    except ValueError:
        return "amqp://<invalid url>"


class _RabbitMessage(Message):
    def __init__(self, incoming: AbstractIncomingMessage, settled: Any) -> None:
        self.body = incoming.body
        self.redelivered = bool(incoming.redelivered)
        self._incoming = incoming
        self._settled = settled

    async def ack(self) -> None:
        try:
            await self._incoming.ack()
        except Exception as error:  # channel gone: RabbitMQ will redeliver it
            log.warning(kv(event="ack_lost", error=type(error).__name__))
        finally:
            self._settled()

    async def reject(self, *, requeue: bool) -> None:
        try:
            await self._incoming.reject(requeue=requeue)
        except Exception as error:
            log.warning(kv(event="reject_lost", error=type(error).__name__))
        finally:
            self._settled()


class _RabbitConsumer(Consumer):
    def __init__(self, channel: AbstractRobustChannel, queue: AbstractQueue) -> None:
        self._channel = channel
        self._queue = queue
        self._inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        self._tag: str | None = None

    async def start(self) -> None:
        self._tag = await self._queue.consume(self._inbox.put, no_ack=False)

    async def get(self) -> Message:
        # Waiting on the inbox is cancel-safe: a message stays there until taken.
        incoming = await self._inbox.get()
        return _RabbitMessage(incoming, self._inbox.task_done)

    async def close(self) -> None:
        if self._tag is not None:
            with contextlib.suppress(Exception):
                await self._queue.cancel(self._tag)
        # Closing the channel hands every unacked message back to RabbitMQ, which
        # redelivers them (redelivered=True) to another consumer.
        with contextlib.suppress(Exception):
            await self._channel.close()


class RabbitBroker(Broker):
    def __init__(
        self, connection: AbstractRobustConnection, channel: AbstractRobustChannel
    ) -> None:
        self._connection = connection
        self._channel = channel
        self._declared: set[str] = set()
        #: Every queue this broker declared (tests delete theirs afterwards).
        self.declared_queues: set[str] = set()

    @classmethod
    async def connect(cls, url: str) -> RabbitBroker:
        try:
            connection = await aio_pika.connect_robust(url, timeout=10)
            channel = await connection.channel(publisher_confirms=True)
        except Exception as error:
            raise TransportError(
                f"cannot connect to RabbitMQ at {safe_url(url)}: {type(error).__name__}"
            ) from None
        log.info(kv(event="connected", url=safe_url(url)))
        return cls(connection, channel)

    async def _declare(self, channel: AbstractRobustChannel, name: str) -> AbstractQueue:
        self.declared_queues.add(name)
        return await channel.declare_queue(name, durable=True)

    async def delete_queue(self, name: str) -> None:
        await self._channel.queue_delete(name)

    async def publish(self, queue: str, bodies: Sequence[bytes]) -> None:
        try:
            if queue not in self._declared:
                await self._declare(self._channel, queue)
                self._declared.add(queue)
            exchange = self._channel.default_exchange
            # With publisher confirms each publish resolves when RabbitMQ has the message;
            # sending them all before awaiting any keeps it one round trip, not N.
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                        routing_key=queue,
                    )
                    for body in bodies
                )
            )
        except Exception as error:
            raise TransportError(f"publish to {queue} failed: {type(error).__name__}") from None

    async def consumer(self, queue: str, *, prefetch: int) -> Consumer:
        try:
            channel = await self._connection.channel(publisher_confirms=False)
            await channel.set_qos(prefetch_count=prefetch)
            consumer = _RabbitConsumer(channel, await self._declare(channel, queue))
            await consumer.start()
        except Exception as error:
            raise TransportError(f"consume from {queue} failed: {type(error).__name__}") from None
        return consumer

    async def queue_depth(self, queue: str) -> int:
        try:
            declared = await self._declare(self._channel, queue)
        except Exception as error:
            raise TransportError(f"queue {queue} unavailable: {type(error).__name__}") from None
        result = declared.declaration_result
        return int(result.message_count or 0)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._connection.close()
