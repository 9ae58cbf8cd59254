"""Issue 14: an alert for every monitor kind through one `json://` channel, with
`betteruptime up` as a user runs it. One monitor of each kind (http, keyword, json, tcp,
dns, ping, tls, domain, heartbeat, multistep, browser) is linked to the same webhook; each is
broken the way its kind fails, then mended. Every down and every recovery arrives, once,
and reads well: a heartbeat's message has no URL and says it missed its ping.

No packet leaves this machine: the targets are local servers, and the ping monitor fails
by being pointed at the cloud metadata address, which the SSRF guard refuses before any
packet is sent (it pings 127.0.0.1 otherwise). The browser check needs Chromium
(/usr/bin/chromium): without it the test skips, saying so (and fails under CI=true)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import get_args

import httpx
import pytest
from aiohttp import web

from betteruptime.domain.messages import MonitorKind
from e2e.conftest import Product
from testkit.api import create_fast_monitor, signed_in_client, status_reader
from testkit.chromium import require_chromium
from testkit.dns_server import ZoneDnsServer
from testkit.rdap_server import RdapServer
from testkit.receivers import WebhookReceiver
from testkit.server import LocalServer
from testkit.shop import Shop as BrowserShop
from testkit.tcp_server import PingServer
from testkit.tls_server import TlsServer
from testkit.waiting import eventually

pytestmark = pytest.mark.e2e
PERIOD = 10  # the heartbeat's, as in the issue; no grace
# Every kind the product has: a new kind fails this test until it is given a monitor here.
KINDS = get_args(MonitorKind)
# A fast monitor is down after 2 failures 1 s apart (up after 2 successes); the alert
# goes out within a second or two of the decision.
WITHIN = 15
BUDGET_SECONDS = 90


class Shop(LocalServer):
    """An HTTP service with a health URL, a page and a JSON status, all broken at once:
    the health URL answers 503, the page loses its keyword, the status says "down"."""

    def __init__(self) -> None:
        super().__init__()
        self.broken = False

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _health(self, _: web.Request) -> web.Response:
        return web.Response(status=503 if self.broken else 200, text="health")

    async def _page(self, _: web.Request) -> web.Response:
        return web.Response(text="under maintenance" if self.broken else "all good")

    async def _status(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "down" if self.broken else "ok"})

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/health", self._health)
        app.router.add_get("/page", self._page)
        app.router.add_get("/status.json", self._status)


@pytest.fixture
async def registry() -> AsyncIterator[RdapServer]:
    """A domain registry whose monitor.test expires in 3 days."""
    server = RdapServer(tlds=("test",))
    server.register("monitor.test", datetime.now(UTC) + timedelta(days=3, hours=1))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def product_env(ca_file: Path, registry: RdapServer) -> dict[str, str]:
    """`product` trusting the test CA and asking the local registry about domains; a
    rate limit above the 22 messages of the test, so none is folded into a digest.
    Chromium is needed for the browser kind."""
    require_chromium()
    return {
        "SSL_CERT_FILE": str(ca_file),
        "BETTERUPTIME_CHANNEL_RATE_LIMIT": "100",
        "BETTERUPTIME_RDAP_BOOTSTRAP_URL": registry.bootstrap_url,
    }


@pytest.fixture
async def shop() -> AsyncIterator[Shop]:
    server = Shop()
    await server.start()
    yield server
    await server.stop()


def titled(webhook: WebhookReceiver, headline: str) -> set[str]:
    prefix = f"[{headline}] "
    return {title.removeprefix(prefix) for title in webhook.titles() if title.startswith(prefix)}


async def test_every_monitor_kind_alerts_its_channel_when_down_and_when_recovered(
    product: Product,
    webhook: WebhookReceiver,
    shop: Shop,
    ping_server: PingServer,
    dns_server: ZoneDnsServer,
    expiring_server: TlsServer,
    browser_shop: BrowserShop,
) -> None:
    started = time.monotonic()
    async with signed_in_client(product.base) as api, httpx.AsyncClient(timeout=5) as job:
        channel = await api.post("/channels", json={"name": "ops", "url": webhook.url()})
        assert channel.status_code == 201, channel.text
        linked = {"channel_ids": [channel.json()["id"]]}
        beat = await api.post(
            "/monitors",
            json={
                "name": "heartbeat",
                "kind": "heartbeat",
                "period_seconds": PERIOD,
                "grace_seconds": 0,
                **linked,
            },
        )
        assert beat.status_code == 201, beat.text
        ping_url = beat.json()["ping_url"]

        last_ping = [0.0]

        async def ping(suffix: str = "") -> bool:
            taken = (await job.get(ping_url + suffix)).status_code == 200
            if taken:
                last_ping[0] = time.monotonic()
            return taken

        ids = {
            "heartbeat": beat.json()["id"],
            "http": await create_fast_monitor(
                api, shop.url("/health"), name="http", kind="http", **linked
            ),
            "keyword": await create_fast_monitor(
                api, shop.url("/page"), name="keyword", kind="keyword", keyword="all good", **linked
            ),
            "json": await create_fast_monitor(
                api,
                shop.url("/status.json"),
                name="json",
                kind="json",
                json_path="$.status",
                json_expected="ok",
                **linked,
            ),
            "tcp": await create_fast_monitor(
                api,
                ping_server.url,
                name="tcp",
                kind="tcp",
                tcp_send="PING\n",
                tcp_expect="PONG",
                **linked,
            ),
            "dns": await create_fast_monitor(
                api,
                "dns://www.monitor.test",
                name="dns",
                kind="dns",
                dns_resolver=dns_server.address,
                expected_values=["93.184.216.34"],
                **linked,
            ),
            "ping": await create_fast_monitor(
                api, "icmp://127.0.0.1", name="ping", kind="ping", ping_count=1, **linked
            ),
            "tls": await create_fast_monitor(
                api, expiring_server.url("/"), name="tls", kind="tls", tls_expiry_days=1, **linked
            ),
            "domain": await create_fast_monitor(
                api,
                "domain://www.monitor.test",
                name="domain",
                kind="domain",
                domain_expiry_days=1,
                **linked,
            ),
            "multistep": await create_fast_monitor(
                api,
                None,
                name="multistep",
                kind="multistep",
                steps=[
                    {
                        "name": "status",
                        "url": shop.url("/status.json"),
                        "extract": {"state": "$.status"},
                    },
                    {"name": "health", "url": shop.url("/health?seen={{state}}")},
                ],
                **linked,
            ),
            # Chromium takes longer than a request: a check every 3 s, 2.5 s to run.
            "browser": await create_fast_monitor(
                api,
                browser_shop.url,
                name="browser",
                kind="browser",
                steps=[
                    {"action": "click", "selector": "#buy"},
                    {"action": "expect_text", "selector": "#message", "text": "Thank you"},
                ],
                interval_seconds=3,
                timeout_seconds=2.5,
                **linked,
            ),
        }
        assert set(ids) == set(KINDS)
        await eventually(ping, within=5, what="the heartbeat's first ping accepted")

        async def all_are(status: str) -> bool:
            readers = [status_reader(api, monitor_id) for monitor_id in ids.values()]
            return all([await has(status) for has in readers])

        await eventually(lambda: all_are("up"), within=WITHIN, what="every monitor up")
        assert webhook.received == []

        # Break each the way its kind fails; the heartbeat just stops pinging.
        shop.broken = True
        browser_shop.broken = True
        await ping_server.stop()
        dns_server.set("www.monitor.test.", "A", ["1.2.3.4"])
        assert (await api.patch(f"/monitors/{ids['tls']}", json={"tls_expiry_days": 14})).is_success
        soon = {"domain_expiry_days": 14}
        assert (await api.patch(f"/monitors/{ids['domain']}", json=soon)).is_success
        metadata = {"url": "icmp://169.254.169.254"}
        assert (await api.patch(f"/monitors/{ids['ping']}", json=metadata)).is_success

        async def every_down_arrived() -> bool:
            return titled(webhook, "DOWN") == set(KINDS)

        await eventually(
            every_down_arrived, within=PERIOD + WITHIN, what="a down message of every kind"
        )
        # The heartbeat waited its period from its last ping (not from the others' outage).
        assert time.monotonic() - last_ping[0] >= PERIOD

        # Mend each.
        shop.broken = False
        browser_shop.broken = False
        await ping_server.start()
        dns_server.set("www.monitor.test.", "A", ["93.184.216.34"])
        assert (await api.patch(f"/monitors/{ids['tls']}", json={"tls_expiry_days": 1})).is_success
        later = {"domain_expiry_days": 1}
        assert (await api.patch(f"/monitors/{ids['domain']}", json=later)).is_success
        local = {"url": "icmp://127.0.0.1"}
        assert (await api.patch(f"/monitors/{ids['ping']}", json=local)).is_success
        assert await ping()

        async def every_recovery_arrived() -> bool:
            return titled(webhook, "RECOVERED") == set(KINDS)

        await eventually(every_recovery_arrived, within=WITHIN, what="a recovery of every kind")

    took = time.monotonic() - started
    # Exactly one down and one recovery each, and no message that reads "None".
    assert sorted(webhook.titles()) == sorted(
        f"[{headline}] {kind}" for kind in KINDS for headline in ("DOWN", "RECOVERED")
    )
    assert all("None" not in message.message for message in webhook.received)
    downs = {m.title: m.message for m in webhook.received if m.title.startswith("[DOWN]")}
    heartbeat_down = downs["[DOWN] heartbeat"].splitlines()
    assert heartbeat_down[0] == "heartbeat missed its expected ping."
    assert "Check: heartbeat (pinged)" in heartbeat_down and "URL" not in downs["[DOWN] heartbeat"]
    assert "URL: icmp://169.254.169.254" in downs["[DOWN] ping"]
    assert "link-local or cloud metadata address" in downs["[DOWN] ping"]
    assert "certificate expires in 2 days" in downs["[DOWN] tls"]
    assert "URL: domain://www.monitor.test" in downs["[DOWN] domain"]
    assert "domain monitor.test expires in 3 days (" in downs["[DOWN] domain"]
    assert "), threshold 14" in downs["[DOWN] domain"]
    assert "expected 93.184.216.34, got 1.2.3.4" in downs["[DOWN] dns"]
    assert "HTTP status: 503" in downs["[DOWN] http"]
    multistep_down = downs["[DOWN] multistep"]
    assert "step 2 'health': status 503, expected 200-299" in multistep_down
    assert "Check: multi-step API check" in multistep_down.splitlines()
    assert 'step 1 (click "#buy") failed' in downs["[DOWN] browser"]
    assert "/screenshots/" in downs["[DOWN] browser"]
    log = product.process.log()
    assert "notifier_unavailable" not in log and "dead_lettered" not in log, log
    print(f"\n{len(KINDS)} kinds: {len(webhook.received)} messages, each once, in {took:.0f} s")
    assert took < BUDGET_SECONDS
