"""`betteruptime up` checking the ping and tls kinds: a real subprocess pings this machine
and shakes hands with a local HTTPS server whose certificate is about to expire."""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.conftest import Product
from testkit.api import create_fast_monitor, signed_in_client, status_reader
from testkit.tls_server import TEST_ISSUER, TlsServer
from testkit.waiting import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture
def product_env(ca_file: Path) -> dict[str, str]:
    """`product` trusts the test CA (e2e/conftest.py), as a machine trusts a public one."""
    return {"SSL_CERT_FILE": str(ca_file)}


async def test_a_ping_monitor_goes_up_and_an_expiring_certificate_opens_an_incident(
    product: Product, expiring_server: TlsServer
) -> None:
    async with signed_in_client(product.base) as api:
        ping_id = await create_fast_monitor(
            api, "icmp://127.0.0.1", kind="ping", name="loopback", ping_count=2
        )
        tls_id = await create_fast_monitor(
            api, expiring_server.url("/"), kind="tls", name="certificate", tls_expiry_days=14
        )

        ping_has, tls_has = status_reader(api, ping_id), status_reader(api, tls_id)

        await eventually(lambda: ping_has("up"), within=10, what="ping monitor up")
        await eventually(lambda: tls_has("down"), within=10, what="tls monitor down")

        incidents = (await api.get("/incidents", params={"monitor_id": tls_id})).json()
        assert [incident["status"] for incident in incidents] == ["open"]
        # Verified against the trusted test CA: the expiry is what failed, not the chain.
        cause = incidents[0]["cause"]
        assert cause.startswith("certificate expires in 2 days ("), cause
        assert cause.endswith(f"within the 14-day margin (issuer: {TEST_ISSUER})"), cause

        pings = (await api.get(f"/monitors/{ping_id}/checks")).json()
        assert pings and all(check["up"] for check in pings)
        assert all(check["response_time_ms"] is not None for check in pings)
        assert (await api.get("/incidents", params={"monitor_id": ping_id})).json() == []
