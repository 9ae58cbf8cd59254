"""The EventStream on Redis Streams: XADD, consumer groups (XREADGROUP), XACK, and
XAUTOCLAIM for entries a dead consumer left pending.

Groups are created at id 0 on first use, so a group that starts late still sees every
entry still in the stream. The stream is trimmed approximately to `max_length`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError, ResponseError
from yarl import URL

from betteruptime.logs import get_logger, kv
from betteruptime.transport.base import EventStream, StreamEntry, TransportError

log = get_logger("redis")

DEFAULT_KEY = "betteruptime:events"
FIELD = b"b"


def safe_url(url: str) -> str:
    try:
        parsed = URL(url)
        return str(parsed.with_password(None) if parsed.password else parsed)
    except ValueError:
        return "redis://<invalid url>"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisEventStream(EventStream):
    def __init__(
        self, client: redis.Redis, *, key: str = DEFAULT_KEY, max_length: int = 1_000_000
    ) -> None:
        self._client = client
        self.key = key
        self._max_length = max_length
        self._groups: set[str] = set()

    @classmethod
    async def connect(cls, url: str, *, key: str = DEFAULT_KEY) -> RedisEventStream:
        client = redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
        try:
            await client.ping()
        except RedisError as error:
            await client.aclose()
            raise TransportError(
                f"cannot connect to Redis at {safe_url(url)}: {type(error).__name__}"
            ) from None
        log.info(kv(event="connected", url=safe_url(url), stream=key))
        return cls(client, key=key)

    async def publish(self, bodies: Sequence[bytes]) -> list[str]:
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for body in bodies:
                    pipe.xadd(self.key, {FIELD: body}, maxlen=self._max_length, approximate=True)
                ids = await pipe.execute()
        except RedisError as error:
            raise TransportError(f"publish to stream failed: {type(error).__name__}") from None
        return [_text(entry_id) for entry_id in ids]

    async def _ensure_group(self, group: str) -> None:
        if group in self._groups:
            return
        try:
            await self._client.xgroup_create(self.key, group, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
        self._groups.add(group)

    async def read(
        self, group: str, consumer: str, *, count: int, block_ms: int
    ) -> list[StreamEntry]:
        try:
            await self._ensure_group(group)
            reply = await self._client.xreadgroup(
                group, consumer, {self.key: ">"}, count=count, block=block_ms or None
            )
        except ResponseError as error:
            if "NOGROUP" in str(error):  # the stream was deleted under us: recreate
                self._groups.discard(group)
                return []
            raise TransportError(f"read failed: {type(error).__name__}") from None
        except RedisError as error:
            raise TransportError(f"read failed: {type(error).__name__}") from None
        streams: list[Any] = list(reply or [])
        return [entry for _, entries in streams for entry in self._entries(entries)]

    async def ack(self, group: str, entry_ids: Sequence[str]) -> None:
        if not entry_ids:
            return
        try:
            await self._client.xack(self.key, group, *entry_ids)
        except RedisError as error:
            raise TransportError(f"ack failed: {type(error).__name__}") from None

    async def claim_stale(
        self, group: str, consumer: str, *, min_idle_ms: int, count: int
    ) -> list[StreamEntry]:
        try:
            await self._ensure_group(group)
            reply = await self._client.xautoclaim(
                self.key, group, consumer, min_idle_time=min_idle_ms, start_id="0-0", count=count
            )
        except RedisError as error:
            raise TransportError(f"claim failed: {type(error).__name__}") from None
        return self._entries(reply[1])

    @staticmethod
    def _entries(raw: Any) -> list[StreamEntry]:
        entries = []
        for entry_id, fields in raw:
            if fields is None:  # deleted by trimming while pending
                continue
            body = fields.get(FIELD, fields.get(FIELD.decode()))
            entries.append(StreamEntry(id=_text(entry_id), body=bytes(body or b"")))
        return entries

    async def delete_stream(self) -> None:
        await self._client.delete(self.key)

    async def close(self) -> None:
        await self._client.aclose()
