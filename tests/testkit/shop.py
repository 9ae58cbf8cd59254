"""A tiny shop on loopback for browser checks: a page with a button that, clicked,
thanks the buyer and moves to /done; a sign-in form; and ways to break it."""

from __future__ import annotations

from aiohttp import web

from testkit.server import LocalServer

SHOP = """<!doctype html>
<html><head><title>Shop</title></head>
<body>
  <h1>Shop</h1>
  <p id="price">Total: 42.00</p>
  {button}
  <p id="message"></p>
  {extra}
  <script>
    const buy = document.getElementById("buy");
    if (buy) buy.addEventListener("click", () => {{
      document.getElementById("message").textContent = "Thank you for your order";
      history.pushState({{}}, "", "/done");
    }});
  </script>
</body></html>"""
LOGIN = """<!doctype html>
<html><body>
  <form method="post" action="/welcome">
    <input id="email" name="email"><input id="password" name="password" type="password">
    <button type="submit">Sign in</button>
  </form>
</body></html>"""


class Shop(LocalServer):
    """`broken`: the button is gone and the page says so. `extra`: HTML added to the
    page (an image from elsewhere, say)."""

    def __init__(self) -> None:
        super().__init__()
        self.broken = False
        self.extra = ""
        self.visits = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/", self._shop)
        app.router.add_get("/login", self._login)
        app.router.add_post("/welcome", self._welcome)
        app.router.add_get("/error", self._error)
        app.router.add_get("/cookie", self._cookie)

    async def _shop(self, _: web.Request) -> web.Response:
        self.visits += 1
        button = "<p>Out of order</p>" if self.broken else '<button id="buy">Buy now</button>'
        html = SHOP.format(button=button, extra=self.extra)
        response = web.Response(text=html, content_type="text/html")
        response.set_cookie("seen", "yes")
        return response

    async def _cookie(self, request: web.Request) -> web.Response:
        seen = request.cookies.get("seen", "none")
        return web.Response(text=f"<p>cookie: {seen}</p>", content_type="text/html")

    async def _login(self, _: web.Request) -> web.Response:
        return web.Response(text=LOGIN, content_type="text/html")

    async def _welcome(self, request: web.Request) -> web.Response:
        form = await request.post()
        return web.Response(
            text=f"<p id='hello'>Welcome, {form.get('email')}</p>", content_type="text/html"
        )

    async def _error(self, _: web.Request) -> web.Response:
        return web.Response(status=503, text="down for maintenance")
