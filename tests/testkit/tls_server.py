"""A local HTTPS server whose certificate, issued by a test CA, expires when a test says.

Serves "ok" at every path over HTTPS on 127.0.0.1, so the same server answers the TLS
probe (which only shakes hands) and the HTTP probe (which asks for a page).
"""

from __future__ import annotations

import socket
import ssl
from datetime import UTC, datetime, timedelta

import trustme
from aiohttp import web

TEST_ISSUER = "BetterUptime Test CA"


def make_ca() -> trustme.CA:
    """A fresh CA whose certificates name TEST_ISSUER as their issuer's organisation."""
    return trustme.CA(organization_name=TEST_ISSUER)


def trusting_context(ca: trustme.CA) -> ssl.SSLContext:
    """A verifying client context that trusts `ca` (and the system's CAs)."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


class TlsServer:
    """An HTTPS server with a certificate for `names` valid until now + `expires_in`."""

    def __init__(
        self,
        ca: trustme.CA,
        *,
        expires_in: timedelta,
        names: tuple[str, ...] = ("localhost", "127.0.0.1"),
        valid_from: datetime | None = None,
    ) -> None:
        self.not_after = (datetime.now(UTC) + expires_in).replace(microsecond=0)
        not_before = valid_from or self.not_after - timedelta(days=365)
        # trustme writes the times as given: naive UTC, as X.509 wants them.
        self._cert = ca.issue_cert(
            *names,
            not_before=not_before.astimezone(UTC).replace(tzinfo=None),
            not_after=self.not_after.replace(tzinfo=None),
        )
        self.port = 0
        self._runner: web.AppRunner | None = None

    def url(self, path: str = "/", host: str = "localhost") -> str:
        return f"https://{host}:{self.port}{path}"

    async def start(self) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._cert.configure_cert(context)
        app = web.Application()
        app.router.add_get("/{tail:.*}", _ok)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.SockSite(self._runner, sock, ssl_context=context).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TlsServer:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()


async def _ok(request: web.Request) -> web.Response:
    return web.Response(text="ok")
