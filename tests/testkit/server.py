"""A small aiohttp server on a free loopback port, for the local targets tests talk to."""

from __future__ import annotations

from aiohttp import web

from testkit.waiting import free_port


class LocalServer:
    """Subclasses add their routes in `routes`; start() and stop() may be repeated (a
    stopped server refuses connections, which is how tests take a target down)."""

    def __init__(self) -> None:
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
