"""Every dashboard page, signed in or not, carries the security headers: a
Content-Security-Policy that allows no inline script, style or eval, no framing, no
caching, no content sniffing. And the pages need nothing the policy forbids: no inline
<script> or style="" and no inline event handlers in any rendered page."""

from __future__ import annotations

import re

import httpx

from api.conftest import CreateMonitor, Headers
from betteruptime.web.deps import CONTENT_SECURITY_POLICY
from web.conftest import OpenBrowser

_INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)


def _assert_hardened(response: httpx.Response) -> None:
    headers = response.headers
    assert headers.get("content-security-policy") == CONTENT_SECURITY_POLICY, response.url
    for directive in ("script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"):
        assert directive in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "same-origin"
    if "text/html" in headers.get("content-type", ""):
        assert not _INLINE.search(response.text), (response.url, _INLINE.search(response.text))


async def test_pages_signed_out_are_hardened(open_browser: OpenBrowser) -> None:
    browser = await open_browser(None)
    for path in ("/login", "/signup"):
        _assert_hardened(await browser.get(path))


async def test_pages_signed_in_are_hardened(
    open_browser: OpenBrowser, alice: Headers, create_monitor: CreateMonitor
) -> None:
    browser = await open_browser("alice@example.com")
    monitor_id = (await create_monitor(alice, name="Shop", url="https://shop.example/"))["id"]
    pages = ("/", "/?status=down", f"/monitors/{monitor_id}", "/monitors/999999", "/account")
    for path in pages:
        response = await browser.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        _assert_hardened(response)
    chart = await browser.get(f"/monitors/{monitor_id}/chart?range=24h")
    assert chart.status_code == 200
    _assert_hardened(chart)
