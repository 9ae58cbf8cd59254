"""A local HTTP target the tests can take down, bring back, or fail for some regions."""

from __future__ import annotations

import asyncio

from aiohttp import web

from testkit.server import LocalServer


class Target(LocalServer):
    """Answers 200 "all good", or 503 to checks from a region listed in `failing_regions`
    (recognised by the `region=` part of BetterUptime's User-Agent)."""

    def __init__(self) -> None:
        super().__init__()
        self.hits: dict[str, int] = {}
        self.failing_regions: set[str] = set()
        # Seconds each answer takes: keeps checks in flight, so a kill lands mid-batch.
        self.delay_seconds = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    async def _answer(self, request: web.Request) -> web.Response:
        agent = request.headers.get("User-Agent", "")
        region = agent.split("region=", 1)[1].split(";", 1)[0] if "region=" in agent else "?"
        self.hits[region] = self.hits.get(region, 0) + 1
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if region in self.failing_regions:
            return web.Response(status=503, text="unavailable here")
        return web.Response(text="all good")

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/", self._answer)
