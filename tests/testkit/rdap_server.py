"""A domain registry on loopback: the IANA bootstrap file (`/dns.json`) naming this
server for a few TLDs, and RDAP domain answers (`/rdap/domain/<name>`, RFC 9083) for the
domains registered with it. Workers find it through BETTERUPTIME_RDAP_BOOTSTRAP_URL."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from aiohttp import web

from testkit.server import LocalServer


class RdapServer(LocalServer):
    """`register()` a domain with an expiry date; others answer 404. `queries` lists the
    domain names asked for, `bootstrap_requests` counts the bootstrap file's downloads;
    `status` makes every domain answer that HTTP status instead, `delay` slows it."""

    def __init__(self, tlds: tuple[str, ...] = ("test",)) -> None:
        super().__init__()
        self.tlds = tlds
        self.answers: dict[str, dict[str, Any]] = {}
        self.queries: list[str] = []
        self.bootstrap_requests = 0
        self.status: int | None = None
        self.delay = 0.0

    @property
    def bootstrap_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/dns.json"

    def register(
        self, domain: str, expires_at: datetime, registrar: str | None = "Example Registrar, Inc."
    ) -> None:
        entities = []
        if registrar is not None:
            card = [["version", {}, "text", "4.0"], ["fn", {}, "text", registrar]]
            entities.append(
                {"objectClassName": "entity", "roles": ["registrar"], "vcardArray": ["vcard", card]}
            )
        self.answers[domain] = {
            "objectClassName": "domain",
            "ldhName": domain.upper(),
            "events": [
                {"eventAction": "registration", "eventDate": "2001-01-01T00:00:00Z"},
                {"eventAction": "expiration", "eventDate": expires_at.isoformat()},
            ],
            "entities": entities,
        }

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/dns.json", self._bootstrap)
        app.router.add_get("/rdap/domain/{name}", self._domain)

    async def _bootstrap(self, _: web.Request) -> web.Response:
        self.bootstrap_requests += 1
        base = f"http://127.0.0.1:{self.port}/rdap/"
        return web.json_response(
            {
                "version": "1.0",
                "publication": "2026-12-01T00:00:00Z",
                "services": [[list(self.tlds), [base]]],
            }
        )

    async def _domain(self, request: web.Request) -> web.Response:
        name = request.match_info["name"].lower()
        self.queries.append(name)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status is not None:
            return web.json_response({"errorCode": self.status}, status=self.status)
        answer = self.answers.get(name)
        if answer is None:
            return web.json_response(
                {"errorCode": 404, "title": "Not Found"},
                status=404,
                content_type="application/rdap+json",
            )
        return web.json_response(answer, content_type="application/rdap+json")
