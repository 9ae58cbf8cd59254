"""A local webhook receiver for Apprise's `json://` channels: it records every message
and can be told to fail the first N requests, or all of them, with a status (503 unless
told otherwise) and headers of the test's choosing (Retry-After)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from testkit.server import LocalServer


@dataclass
class Received:
    body: dict[str, Any]
    at: float = field(default_factory=time.time)

    @property
    def title(self) -> str:
        return str(self.body.get("title", ""))

    @property
    def message(self) -> str:
        return str(self.body.get("message", ""))


class WebhookReceiver(LocalServer):
    def __init__(
        self,
        *,
        fail_first: int = 0,
        always_fail: bool = False,
        fail_status: int = 503,
        fail_headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.fail_first = fail_first
        self.always_fail = always_fail
        self.fail_status = fail_status
        self.fail_headers = fail_headers or {}
        self.requests = 0
        # When each request came (time.time()), taken or refused.
        self.request_times: list[float] = []
        self.received: list[Received] = []
        # Seconds before answering a message it took: a sender killed meanwhile is
        # killed mid-send, after the message arrived and before it knew.
        self.delay_seconds = 0.0

    def url(self, path: str = "hook") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def titles(self) -> list[str]:
        return [message.title for message in self.received]

    def has_received(self, count: int) -> bool:
        """Whether at least `count` messages arrived (a probe for `eventually`)."""
        return len(self.received) >= count

    async def _answer(self, request: web.Request) -> web.Response:
        self.requests += 1
        self.request_times.append(time.time())
        body = await request.json()
        if self.always_fail or self.requests <= self.fail_first:
            return web.Response(status=self.fail_status, text="no", headers=self.fail_headers)
        self.received.append(Received(body))
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        return web.Response(text="ok")

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/{path:.*}", self._answer)
