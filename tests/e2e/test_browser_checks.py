"""Issue 18: a browser check with `betteruptime up` as a user runs it (Chromium found at
/usr/bin/chromium, so `up` runs browser checks). A local shop page: the check clicks its
button and expects the thanks, so the monitor is up; the page breaks (the button is
gone), the monitor goes down, the down message names the failing step and links the
failure screenshot, which the monitor page shows to its signed-in owner."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from e2e.conftest import Product
from testkit.api import signed_in_client, status_reader
from testkit.chromium import require_chromium
from testkit.receivers import WebhookReceiver
from testkit.shop import Shop
from testkit.waiting import eventually

pytestmark = pytest.mark.e2e
BUY = [
    {"action": "click", "selector": "#buy"},
    {"action": "expect_text", "selector": "#message", "text": "Thank you"},
    {"action": "expect_url", "pattern": "/done"},
]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# A browser check every 3 s with 2.5 s to run (Chromium on a busy 2-core machine).
BROWSER_MONITOR = {
    "kind": "browser",
    "interval_seconds": 3,
    "timeout_seconds": 2.5,
    "failure_threshold": 2,
    "recovery_threshold": 2,
    "steps": BUY,
}


@pytest.fixture
def product_env() -> dict[str, str]:
    require_chromium()
    return {}


@asynccontextmanager
async def _dashboard(base: str) -> AsyncIterator[httpx.AsyncClient]:
    """A signed-in dashboard session of the account signed_in_client made."""
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        token = CSRF.search((await client.get("/login")).text)
        assert token
        form = {
            "csrf_token": token.group(1),
            "email": "ops@example.com",
            "password": "correct horse",
        }
        signed = await client.post("/login", data=form)
        assert signed.status_code in (302, 303), signed.text
        yield client


async def test_a_browser_check_is_up_then_down_with_a_screenshot_on_its_page_and_alert(
    product: Product, webhook: WebhookReceiver, browser_shop: Shop
) -> None:
    async with signed_in_client(product.base) as api:
        channel = await api.post("/channels", json={"name": "ops", "url": webhook.url()})
        assert channel.status_code == 201, channel.text
        created = await api.post(
            "/monitors",
            json={
                "name": "shop journey",
                "url": browser_shop.url,
                "channel_ids": [channel.json()["id"]],
                **BROWSER_MONITOR,
            },
        )
        assert created.status_code == 201, created.text
        monitor_id = created.json()["id"]
        is_ = status_reader(api, monitor_id)

        await eventually(lambda: is_("up"), within=30, what="the browser check up")
        checks = (await api.get(f"/monitors/{monitor_id}/checks?limit=1")).json()
        details = checks[0]["details"]
        assert [(s["action"], s["ok"]) for s in details["steps"]] == [
            ("click", True),
            ("expect_text", True),
            ("expect_url", True),
        ]
        assert details["timings"]["ttfb_ms"] is not None

        browser_shop.broken = True
        await eventually(lambda: is_("down"), within=30, what="the broken page down")

        async def down_arrived() -> bool:
            return any(m.title == "[DOWN] shop journey" for m in webhook.received)

        await eventually(down_arrived, within=15, what="the down message")

    down = next(m.message for m in webhook.received if m.title == "[DOWN] shop journey")
    assert 'step 1 (click "#buy") failed' in down
    linked = re.search(r"Screenshot: (http://\S+/monitors/\d+/screenshots/\d+)", down)
    assert linked, down
    path = "/" + linked.group(1).split("/", 3)[3]
    assert linked.group(1).startswith("http://localhost:")  # BETTERUPTIME_PUBLIC_URL
    async with httpx.AsyncClient(base_url=product.base) as anonymous:
        assert (await anonymous.get(path)).status_code in (302, 303)  # signed in only
    async with _dashboard(product.base) as dashboard:
        image = await dashboard.get(path)
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/jpeg"
        assert image.content.startswith(b"\xff\xd8\xff")
        page = (await dashboard.get(f"/monitors/{monitor_id}")).text
    assert "Browser check" in page
    assert f'<img src="/monitors/{monitor_id}/screenshots/' in page
    assert "browser_checks_on" in product.process.log()
