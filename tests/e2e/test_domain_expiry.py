"""Domain expiry with `betteruptime up` as a user runs it: a `domain` monitor reads its
registration's expiry date from a registry on loopback (the IANA bootstrap file and an
RDAP server, testkit/rdap_server.py, found through BETTERUPTIME_RDAP_BOOTSTRAP_URL),
is up while the date is beyond its threshold and goes down once the threshold reaches
it, with the date in the check's details, in /metrics and on the monitor page. The
registry is asked once: the worker keeps the answer for 12 hours."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from e2e.conftest import Product
from testkit.api import create_fast_monitor, signed_in_client, status_reader
from testkit.rdap_server import RdapServer
from testkit.waiting import eventually

pytestmark = pytest.mark.e2e
EXPIRES = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30, hours=6)
WITHIN = 15


@pytest.fixture
async def registry() -> AsyncIterator[RdapServer]:
    server = RdapServer(tlds=("test",))
    server.register("shop.test", EXPIRES, registrar="Loopback Registrar")
    server.register("soon.test", datetime.now(UTC) + timedelta(days=5, hours=6))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def product_env(registry: RdapServer) -> dict[str, str]:
    return {"BETTERUPTIME_RDAP_BOOTSTRAP_URL": registry.bootstrap_url}


async def test_a_domain_monitor_reads_its_expiry_from_rdap_and_goes_down_within_the_threshold(
    product: Product, registry: RdapServer
) -> None:
    async with signed_in_client(product.base) as api:
        shop = await create_fast_monitor(
            api, "domain://www.shop.test", name="shop domain", kind="domain"
        )
        soon = await create_fast_monitor(api, "domain://soon.test", name="soon", kind="domain")
        created = (await api.get(f"/monitors/{shop}")).json()
        assert created["domain_expiry_days"] == 14  # the kind's default

        await eventually(lambda: status_reader(api, shop)("up"), within=WITHIN, what="shop.test up")
        await eventually(
            lambda: status_reader(api, soon)("down"), within=WITHIN, what="soon.test down"
        )

        checks = (await api.get(f"/monitors/{shop}/checks", params={"limit": 1})).json()
        details = checks[0]["details"]
        assert details["domain"] == "shop.test"
        assert datetime.fromisoformat(details["expires_at"]) == EXPIRES
        assert details["registrar"] == "Loopback Registrar"
        assert details["rdap_url"] == f"http://127.0.0.1:{registry.port}/rdap/domain/shop.test"
        soon_checks = (await api.get(f"/monitors/{soon}/checks", params={"limit": 1})).json()
        assert soon_checks[0]["error"].startswith("domain soon.test expires in 5 days (")
        assert soon_checks[0]["error"].endswith("), threshold 14")

        async with httpx.AsyncClient(base_url=product.base, timeout=5) as plain:
            metrics = (await plain.get("/metrics")).text
        line = next(
            line
            for line in metrics.splitlines()
            if line.startswith("betteruptime_monitor_domain_expiry_timestamp_seconds{")
            and f'monitor_id="{shop}"' in line
        )
        assert float(line.rsplit(" ", 1)[1]) == EXPIRES.timestamp()

        # The threshold now reaches the date: judged again on the answer the worker holds.
        changed = await api.patch(f"/monitors/{shop}", json={"domain_expiry_days": 45})
        assert changed.status_code == 200, changed.text
        await eventually(
            lambda: status_reader(api, shop)("down"), within=WITHIN, what="shop.test down"
        )
        latest = (await api.get(f"/monitors/{shop}/checks", params={"limit": 1})).json()[0]
        assert latest["error"] == (
            f"domain shop.test expires in 30 days ({EXPIRES.date().isoformat()}), threshold 45"
        )

    # Dozens of checks of each, one question to the registry per domain.
    assert sorted(registry.queries) == ["shop.test", "soon.test"]
    assert registry.bootstrap_requests == 1
