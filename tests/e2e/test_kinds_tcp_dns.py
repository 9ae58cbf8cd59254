"""TCP and DNS monitors through `betteruptime up`: a real subprocess checking real local
servers, down when the service breaks, up when it is back."""

from __future__ import annotations

import time

import httpx
import pytest

from e2e.conftest import Product
from testkit.api import create_fast_monitor, signed_in_client, status_reader
from testkit.dns_server import ZoneDnsServer
from testkit.tcp_server import PingServer
from testkit.waiting import eventually

pytestmark = pytest.mark.e2e
# Each test must finish within this, start-up included.
BUDGET_SECONDS = 20


async def _incidents(api: httpx.AsyncClient, monitor_id: int) -> list[dict[str, object]]:
    response = await api.get("/incidents", params={"monitor_id": monitor_id})
    incidents: list[dict[str, object]] = response.json()
    return incidents


async def test_a_tcp_monitor_goes_down_when_the_listener_closes_and_up_when_it_reopens(
    product: Product, ping_server: PingServer
) -> None:
    started = time.monotonic()
    async with signed_in_client(product.base) as api:
        monitor_id = await create_fast_monitor(
            api, ping_server.url, kind="tcp", tcp_send="PING\n", tcp_expect="PONG"
        )
        has_status = status_reader(api, monitor_id)

        await eventually(lambda: has_status("up"), within=8, what="tcp monitor up")
        assert ping_server.received and set(ping_server.received) == {b"PING\n"}

        await ping_server.stop()
        await eventually(lambda: has_status("down"), within=6, what="tcp monitor down")
        [incident] = await _incidents(api, monitor_id)
        assert incident["status"] == "open"
        assert incident["cause"] == f"connection refused by 127.0.0.1:{ping_server.port}"

        await ping_server.start()
        await eventually(lambda: has_status("up"), within=6, what="tcp monitor back up")
        [incident] = await _incidents(api, monitor_id)
        assert incident["status"] == "resolved"

        checks = (await api.get(f"/monitors/{monitor_id}/checks", params={"limit": 100})).json()
        up_check = next(check for check in checks if check["up"])
        assert up_check["timings"]["connect_ms"] is not None
        assert up_check["response_time_ms"] == up_check["timings"]["total_ms"]
    assert time.monotonic() - started < BUDGET_SECONDS


async def test_a_dns_monitor_goes_down_when_the_record_changes(
    product: Product, dns_server: ZoneDnsServer
) -> None:
    started = time.monotonic()
    async with signed_in_client(product.base) as api:
        monitor_id = await create_fast_monitor(
            api,
            "dns://www.monitor.test",
            kind="dns",
            dns_record_type="A",
            dns_resolver=dns_server.address,
            expected_values=["93.184.216.34"],
        )
        has_status = status_reader(api, monitor_id)

        await eventually(lambda: has_status("up"), within=8, what="dns monitor up")
        assert ("www.monitor.test.", "A") in dns_server.queries

        # The record moves elsewhere, as after a hijack or a botched migration.
        dns_server.set("www.monitor.test.", "A", ["1.2.3.4"])
        await eventually(lambda: has_status("down"), within=6, what="dns monitor down")
        [incident] = await _incidents(api, monitor_id)
        assert incident["status"] == "open"
        assert incident["cause"] == "expected 93.184.216.34, got 1.2.3.4"

        dns_server.set("www.monitor.test.", "A", ["93.184.216.34"])
        await eventually(lambda: has_status("up"), within=6, what="dns monitor back up")
    assert time.monotonic() - started < BUDGET_SECONDS
