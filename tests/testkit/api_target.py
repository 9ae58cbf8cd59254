"""A local JSON API the assertion and multi-step tests check: a login that hands out a
token, and an orders endpoint that needs it. Tests change its answers to break it."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from testkit.server import LocalServer


class ApiTarget(LocalServer):
    """`POST /login {user, password}` → `{"token": ...}` (a new secret each time);
    `GET /orders` with `Authorization: Bearer <token>` → `orders` as JSON, with
    `content_type`; 401 without a token it handed out."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: list[str] = []
        self.orders: dict[str, Any] = {"state": "open", "items": [{"id": 1, "state": "paid"}]}
        self.content_type = "application/json"
        self.seen_authorizations: list[str] = []
        # Answer /orders with the Authorization header it was sent, as debug pages do.
        self.echo_authorization = False

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _login(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("user") != "probe" or body.get("password") != "hunter2":
            return web.json_response({"error": "bad credentials"}, status=403)
        token = f"tok-{secrets.token_hex(12)}"
        self.tokens.append(token)
        return web.json_response({"token": token, "expires_in": 60})

    async def _orders(self, request: web.Request) -> web.Response:
        authorization = request.headers.get("Authorization", "")
        self.seen_authorizations.append(authorization)
        if authorization.removeprefix("Bearer ") not in self.tokens:
            return web.json_response({"error": "unauthorized"}, status=401)
        answer = {"seen": authorization, **self.orders} if self.echo_authorization else self.orders
        return web.json_response(
            answer, content_type=self.content_type, headers={"X-Order-Count": "1"}
        )

    async def _public(self, request: web.Request) -> web.Response:
        return web.json_response(self.orders, content_type=self.content_type)

    async def _echo(self, request: web.Request) -> web.Response:
        """The request's query and Authorization header, as JSON: a server that shows
        what it was sent, as error pages often do."""
        seen = {
            "query": request.query_string,
            "authorization": request.headers.get("Authorization"),
        }
        return web.json_response(seen)

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/echo", self._echo)
        app.router.add_post("/login", self._login)
        app.router.add_get("/orders", self._orders)
        app.router.add_get("/public/orders", self._public)
