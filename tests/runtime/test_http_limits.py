"""Slow and oversized request headers, against the api's own uvicorn server on a free
port, over raw sockets: a slowloris client is disconnected within the header deadline,
a 100 kB header or 5,000 headers are refused with 431, and ordinary requests (an 8 kB
cookie, keep-alive, a response slower than the deadline) still work."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI, Request

from betteruptime.runtime import http_limits
from betteruptime.runtime.http_limits import MAX_HEADER_BYTES, MAX_HEADERS
from betteruptime.runtime.server import http_server
from betteruptime.settings import Settings
from testkit.waiting import eventually, free_port

# The deadline is shortened for these tests; what it does is the same at any length.
DEADLINE = 1.0
Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/headers")
    async def headers(request: Request) -> dict[str, int]:
        return {"count": len(request.headers), "cookie": len(request.headers.get("cookie", ""))}

    @app.get("/slow")
    async def slow() -> dict[str, bool]:
        await asyncio.sleep(DEADLINE * 2)
        return {"done": True}

    return app


@pytest.fixture
async def port(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[int]:
    monkeypatch.setattr(http_limits, "HEADER_TIMEOUT_SECONDS", DEADLINE)
    settings = Settings(host="127.0.0.1", port=free_port(), _env_file=None)
    server = http_server(settings, _app())
    task = asyncio.create_task(server.serve())
    await eventually(lambda: _true(server.started), within=10, what="the server to start")
    yield settings.port
    server.should_exit = True
    await task


async def _true(value: bool) -> bool:
    return value


async def _connect(port: int) -> Connection:
    return await asyncio.open_connection("127.0.0.1", port)


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The status and body of one response (with a content-length)."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    lines = head.decode().split("\r\n")
    length = next(
        int(line.split(":")[1]) for line in lines if line.lower().startswith("content-length")
    )
    return int(lines[0].split()[1]), await reader.readexactly(length)


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    try:
        rest = await asyncio.wait_for(reader.read(), seconds)
    except TimeoutError:
        return False
    return rest == b"" or reader.at_eof()


def _request(*headers: str) -> bytes:
    lines = ["GET /headers HTTP/1.1", "Host: test", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def test_a_client_sending_its_headers_byte_by_byte_is_cut_off_at_the_deadline(
    port: int,
) -> None:
    reader, writer = await _connect(port)
    started = time.monotonic()
    writer.write(b"GET /headers HTTP/1.1\r\nHost: test\r\n")

    async def trickle() -> None:
        # Faster than uvicorn's keep-alive timer, which every byte restarts.
        for _ in range(100):
            writer.write(b"X")
            await writer.drain()
            await asyncio.sleep(0.1)

    trickling = asyncio.create_task(trickle())
    status, body = await _response(reader)
    elapsed = time.monotonic() - started
    trickling.cancel()

    assert status == 408 and b"request_timeout" in body
    assert DEADLINE - 0.1 <= elapsed < DEADLINE + 1.0
    assert await _closed_within(reader, 1.0)
    writer.close()


async def test_a_connection_that_sends_nothing_is_closed_at_the_deadline(port: int) -> None:
    reader, writer = await _connect(port)

    assert await _closed_within(reader, DEADLINE + 1.0)
    writer.close()


@pytest.mark.parametrize(
    "request_bytes",
    [
        _request("X-Big: " + "a" * 100_000),
        _request(*(f"X-H{i}: {i}" for i in range(5000))),
        _request(*(f"X-H{i}: {i}" for i in range(MAX_HEADERS + 1))),
    ],
    ids=["a 100 kB header", "5000 headers", "one header too many"],
)
async def test_oversized_headers_are_refused_with_431(port: int, request_bytes: bytes) -> None:
    reader, writer = await _connect(port)
    writer.write(request_bytes)

    status, body = await _response(reader)

    assert status == 431 and b"request_header_fields_too_large" in body
    assert await _closed_within(reader, 1.0)
    writer.close()


async def test_a_header_that_never_ends_is_refused_without_waiting_for_the_deadline(
    port: int,
) -> None:
    reader, writer = await _connect(port)
    writer.write(b"GET /headers HTTP/1.1\r\nHost: test\r\nX-Endless: ")
    for _ in range(MAX_HEADER_BYTES // 4096 + 2):
        writer.write(b"a" * 4096)
        await writer.drain()

    status, _ = await asyncio.wait_for(_response(reader), DEADLINE / 2)

    assert status == 431
    writer.close()


async def test_an_8_kb_cookie_and_keep_alive_requests_still_work(port: int) -> None:
    reader, writer = await _connect(port)
    cookie = "session=" + "c" * 8192

    answers = []
    for _ in range(3):
        writer.write(_request(f"Cookie: {cookie}", *(f"X-H{i}: {i}" for i in range(40))))
        answers.append(await _response(reader))
        await asyncio.sleep(DEADLINE / 2)  # idle between requests, within the deadline

    assert answers == [(200, b'{"count":42,"cookie":%d}' % len(cookie))] * 3
    writer.close()


async def test_a_response_slower_than_the_deadline_is_not_cut_off(port: int) -> None:
    reader, writer = await _connect(port)
    writer.write(b"GET /slow HTTP/1.1\r\nHost: test\r\n\r\n")

    status, body = await asyncio.wait_for(_response(reader), DEADLINE * 4)

    assert (status, body) == (200, b'{"done":true}')
    writer.close()
