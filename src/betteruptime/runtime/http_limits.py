"""Limits on request headers that uvicorn does not set: slow clients, huge headers.

The api speaks HTTP through uvicorn's httptools protocol (llhttp, a C parser: the ping
path's hot loop, and what `uvicorn[standard]` picks anyway), pinned in `server.py` so a
newly installed package cannot swap it. uvicorn has no header limits for httptools
(`h11_max_incomplete_event_size` is for h11 only) and no deadline for headers at all:
its keep-alive timer restarts on every byte, so a client sending one byte every few
seconds held a socket forever. This subclass adds, per request:

- a deadline for the request line and headers (HEADER_TIMEOUT_SECONDS), from the moment
  the connection opens or the previous response ends: then the socket is closed, after
  a 408 if part of a request had arrived;
- at most MAX_HEADER_BYTES of request line and headers, and MAX_HEADERS header fields:
  beyond either, 431 and the socket is closed. Headers still arriving are counted as
  they come, so a header that never ends is cut off too.
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_TIMEOUT_SECONDS = 10.0
# Room for an 8 kB cookie and the usual headers; nginx allows 32 kB (4 x 8k), Node 16 kB.
MAX_HEADER_BYTES = 32 * 1024
MAX_HEADERS = 100

_TOO_LARGE = (
    431,
    "request_header_fields_too_large",
    f"The request's headers are larger than {MAX_HEADER_BYTES // 1024} KiB or more "
    f"than {MAX_HEADERS} fields.",
)
_TOO_SLOW = (
    408,
    "request_timeout",
    f"The request's headers did not arrive within {HEADER_TIMEOUT_SECONDS:g} seconds.",
)


class _HeadersRefused(Exception):
    """Raised in a parser callback: llhttp stops, and uvicorn's error path answers."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._awaiting_headers = True
        self._header_bytes = 0
        self._header_count = 0
        self._refusal: tuple[int, str, str] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arm_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._awaiting_headers:
            self._header_bytes += len(data)
        super().data_received(data)
        # Still in the headers after this chunk (a complete header block was measured
        # exactly in on_headers_complete): the parser holds them all, so stop here.
        if self._awaiting_headers and self._header_bytes > MAX_HEADER_BYTES:
            self._answer_and_close(*_TOO_LARGE)

    # Parser callbacks
    def on_message_begin(self) -> None:
        self._header_count = 0
        super().on_message_begin()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > MAX_HEADERS:
            self._refuse(_TOO_LARGE)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > MAX_HEADER_BYTES:
            self._refuse(_TOO_LARGE)
        self._awaiting_headers = False
        self._header_bytes = 0
        self._cancel_deadline()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        # The parser waits for the next request's headers from here (pipelining); the
        # deadline starts once this response is out (on_response_complete).
        self._awaiting_headers = True
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        idle = self.cycle is None or self.cycle.response_complete
        if idle and not self.transport.is_closing():
            self._arm_deadline()

    def send_400_response(self, msg: str) -> None:
        # uvicorn's answer to any parser error, ours (_HeadersRefused) included.
        if self._refusal is not None:
            self._answer_and_close(*self._refusal)
        else:
            super().send_400_response(msg)

    def _refuse(self, refusal: tuple[int, str, str]) -> None:
        self._refusal = refusal
        raise _HeadersRefused

    def _arm_deadline(self) -> None:
        self._cancel_deadline()
        self._deadline = self.loop.call_later(HEADER_TIMEOUT_SECONDS, self._headers_too_slow)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_too_slow(self) -> None:
        self._deadline = None
        if not self._awaiting_headers or self.transport.is_closing():
            return
        if self._header_bytes:  # part of a request came: say why it ends
            self._answer_and_close(*_TOO_SLOW)
        else:  # an idle connection: closed without a word, as keep-alive ends
            self.transport.close()

    def _answer_and_close(self, status: int, code: str, message: str) -> None:
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # A response is being written on this connection: no room for ours.
            self.transport.close()
            return
        body = json.dumps({"error": code, "message": message}).encode()
        phrase = HTTPStatus(status).phrase.encode()
        head = [b"HTTP/1.1 %d %s\r\n" % (status, phrase)]
        head += [b"%s: %s\r\n" % header for header in self.server_state.default_headers]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()
