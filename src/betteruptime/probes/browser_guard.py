"""The SSRF guard of browser checks: every request a page makes (the navigations, and
every image, script, XHR, fetch and WebSocket it loads) is vetted before it leaves.

Playwright hands each request to :meth:`RequestGuard.route` (and each WebSocket to
:meth:`RequestGuard.route_web_socket`): its host is resolved and every address judged by
the target policy, as the HTTP probe does; a request to a refused address (or of a
scheme other than http(s), ws(s), data: and blob:) is aborted before Chromium connects,
and the reason kept, so the step it happened in fails saying why.

Chromium resolves the name again itself when it connects. A name whose answer changes
between the two lookups (DNS rebinding with a zero TTL) is therefore not covered as
tightly as by the HTTP probe, which connects to the very address it judged.
"""

from __future__ import annotations

import asyncio
import socket
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from betteruptime.domain.addresses import TargetPolicy, refusal
from betteruptime.domain.targets import split_target

if TYPE_CHECKING:
    from playwright.async_api import Route, WebSocketRoute

# Schemes a page may load without the network: inline and in-memory content.
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})
NETWORK_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class RequestGuard:
    """Vets the requests of one check; `refused` keeps the reasons, oldest first."""

    def __init__(self, policy: TargetPolicy | None) -> None:
        self._policy = policy
        self.refused: list[str] = []

    def take_refused(self) -> str | None:
        """The first request refused since the last call, as an error text; None if none."""
        first = self.refused[0] if self.refused else None
        self.refused.clear()
        return first

    async def verdict(self, url: str) -> str | None:
        """Why a request to `url` is refused, or None when it may go."""
        scheme = urlsplit(url).scheme.lower()
        if scheme in LOCAL_SCHEMES:
            return None
        if scheme not in NETWORK_PORTS:
            return f"{scheme}: requests are not allowed"
        if self._policy is None:
            return None
        try:
            target = split_target(url)
        except ValueError:
            return "the URL cannot be read"
        host = target.host or ""
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, target.port or NETWORK_PORTS[scheme], type=socket.SOCK_STREAM
            )
        except socket.gaierror:
            return None  # Chromium's own lookup fails the same way, with its own words
        for info in infos:
            reason = refusal(str(info[4][0]), self._policy)
            if reason is not None:
                return f"not connecting to {host}: {reason}"
        return None

    async def route(self, route: Route) -> None:
        reason = await self.verdict(route.request.url)
        if reason is None:
            await route.continue_()
            return
        self.refused.append(reason)
        await route.abort("blockedbyclient")

    async def route_web_socket(self, socket_route: WebSocketRoute) -> None:
        reason = await self.verdict(socket_route.url)
        if reason is None:
            socket_route.connect_to_server()
            return
        self.refused.append(reason)
        await socket_route.close(code=1008, reason="refused by the target policy")
