"""Real local HTTP(S) servers for the probe tests, and a job factory."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import trustme
from aiohttp import web

from betteruptime.domain.messages import CheckJob, ProbeSpec
from betteruptime.probes.http import HttpProbe

JSON_DOCUMENT = {
    "status": "ok",
    "count": 2,
    "items": [{"id": 1, "name": "first"}, {"id": 2, "name": "second"}],
    "meta": {"build id": "abc123"},
}


@dataclass
class ReceivedRequest:
    method: str
    headers: dict[str, str]
    body: bytes


@dataclass
class LocalServer:
    """A running aiohttp server; `url(path)` addresses it by name, so DNS is timed."""

    scheme: str
    port: int
    received: list[ReceivedRequest] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.scheme}://localhost:{self.port}{path}"


def _app(server: LocalServer, release: asyncio.Event) -> web.Application:
    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="<h1>Welcome to the test page</h1>")

    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]), text="Internal trouble")

    async def document(request: web.Request) -> web.Response:
        return web.json_response(JSON_DOCUMENT)

    async def not_json(request: web.Request) -> web.Response:
        return web.Response(text="<html>not json</html>")

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/ok")

    async def redirect_loop(request: web.Request) -> web.Response:
        raise web.HTTPFound("/redirect-loop")

    async def slow(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(text="too late")

    async def slow_body(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_type = "text/plain"
        await response.prepare(request)
        await response.write(b"the start of a body that never ends")
        await release.wait()
        return response

    async def big(request: web.Request) -> web.Response:
        return web.Response(text="x" * (2 * 1024 * 1024) + "needle")

    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        server.received.append(ReceivedRequest(request.method, dict(request.headers), body))
        return web.Response(text="echoed")

    app = web.Application()
    app.router.add_get("/ok", ok)
    app.router.add_get("/status/{code}", status)
    app.router.add_get("/json", document)
    app.router.add_get("/not-json", not_json)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/redirect-loop", redirect_loop)
    app.router.add_get("/slow", slow)
    app.router.add_get("/slow-body", slow_body)
    app.router.add_get("/big", big)
    app.router.add_route("*", "/echo", echo)
    return app


async def _serve(scheme: str, ssl_context: ssl.SSLContext | None) -> AsyncIterator[LocalServer]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = LocalServer(scheme=scheme, port=sock.getsockname()[1])
    release = asyncio.Event()
    runner = web.AppRunner(_app(server, release))
    await runner.setup()
    await web.SockSite(runner, sock, ssl_context=ssl_context).start()
    try:
        yield server
    finally:
        # Let handlers parked on `release` finish, so shutdown does not wait for them.
        release.set()
        await runner.cleanup()


@pytest.fixture
async def http_server() -> AsyncIterator[LocalServer]:
    async for server in _serve("http", None):
        yield server


@pytest.fixture
async def https_server() -> AsyncIterator[LocalServer]:
    """An HTTPS server whose certificate comes from a CA nobody trusts."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    async for server in _serve("https", context):
        yield server


@pytest.fixture
async def probe() -> AsyncIterator[HttpProbe]:
    http_probe = HttpProbe()
    yield http_probe
    await http_probe.close()


@pytest.fixture
def make_job() -> Callable[..., CheckJob]:
    """Build a job for `url`; keyword arguments are ProbeSpec fields."""

    def factory(url: str, *, region: str = "eu-west", **spec_fields: Any) -> CheckJob:
        now = datetime.now(UTC)
        return CheckJob(
            spec=ProbeSpec(monitor_id=7, url=url, **spec_fields),
            region=region,
            due_at=now,
            expires_at=now + timedelta(seconds=60),
        )

    return factory


@pytest.fixture
def refused_port() -> int:
    """A port nothing listens on: bound to learn a free number, then closed."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port
