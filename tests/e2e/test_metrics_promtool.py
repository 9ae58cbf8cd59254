"""Every metric name of a live /metrics passes `promtool check metrics` (Prometheus's own
linter, from Debian's `prometheus` package): `betteruptime up` with monitors of several
kinds, each with a result, scraped as Prometheus scrapes it.

The only complaints allowed are about deprecated names themselves (DEPRECATED_METRICS:
promtool refuses `_ms` and `_days`, which is why they are replaced; they are served one
release beside their replacements); anything else fails. Without promtool the
test skips, except under CI=true (.ci/run installs it), where it fails.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import trustme
from prometheus_client.parser import text_string_to_metric_families

from betteruptime.api.routers.metrics import DEPRECATED_METRICS
from e2e.conftest import Product
from testkit.api import create_fast_monitor, signed_in_client
from testkit.engines import service_missing
from testkit.heartbeats import STUCK_AFTER_SECONDS
from testkit.target import Target
from testkit.tls_server import TlsServer
from testkit.waiting import eventually, free_port

pytestmark = pytest.mark.e2e
FAMILIES = {
    "betteruptime_monitor_up",
    "betteruptime_monitor_response_time_seconds",
    "betteruptime_monitor_checks",
    "betteruptime_monitor_failures",
    "betteruptime_monitor_certificate_expiry_timestamp_seconds",
    "betteruptime_monitors",
    "betteruptime_monitor_info",
    "process_cpu_seconds",
    "python_gc_collections",
}


@pytest.fixture
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        service_missing("promtool not installed (apt-get install prometheus)")
    assert found is not None
    return found


@pytest.fixture
async def https_server(ca: trustme.CA) -> AsyncIterator[TlsServer]:
    async with TlsServer(ca, expires_in=timedelta(days=60)) as server:
        yield server


async def lint(promtool: str, exposition: bytes) -> tuple[int, list[str]]:
    linter = await asyncio.create_subprocess_exec(
        promtool,
        "check",
        "metrics",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await linter.communicate(exposition)
    assert linter.returncode is not None
    return linter.returncode, [line for line in output.decode().splitlines() if line.strip()]


@pytest.fixture
def product_env(ca_file: Path) -> dict[str, str]:
    """`product` trusts the test CA (e2e/conftest.py), as a machine trusts a public one."""
    return {"SSL_CERT_FILE": str(ca_file)}


async def test_a_live_scrape_of_every_kind_passes_promtool(
    product: Product,
    promtool: str,
    target: Target,
    https_server: TlsServer,
) -> None:
    process, base = product.process, product.base
    async with signed_in_client(base) as api, httpx.AsyncClient(base_url=base) as scraper:
        ids = [
            await create_fast_monitor(
                api, target.url, name="site", tags=["prod", "team:web"], group="Shop"
            ),
            await create_fast_monitor(
                api, f"tcp://127.0.0.1:{free_port()}", kind="tcp", name="closed port"
            ),
            await create_fast_monitor(
                api, https_server.url("/"), kind="tls", name="certificate", tls_expiry_days=14
            ),
        ]
        heartbeat = await api.post(
            "/monitors", json={"name": "backup", "kind": "heartbeat", "period_seconds": 3600}
        )
        ids.append(heartbeat.json()["id"])
        assert (await scraper.get(heartbeat.json()["ping_url"])).text == "OK"
        paused = await api.post(
            "/monitors", json={"name": "resolver", "kind": "dns", "url": "dns://example.com"}
        )
        await api.post(f"/monitors/{paused.json()['id']}/pause")

        async def every_one_checked() -> bool:
            for monitor_id in ids:
                if not (await api.get(f"/monitors/{monitor_id}/checks")).json():
                    return False
            return True

        await eventually(every_one_checked, within=STUCK_AFTER_SECONDS, what="a check of each")
        scraped = await scraper.get("/metrics")

    assert process.stop() == 0, process.log()
    assert scraped.status_code == 200
    families = {family.name for family in text_string_to_metric_families(scraped.text)}
    assert families >= FAMILIES, FAMILIES - families
    code, complaints = await lint(promtool, scraped.content)
    # promtool names the metric first in each complaint; only deprecated ones may be named.
    about = {line.split(" ", 1)[0] for line in complaints}
    assert about <= DEPRECATED_METRICS, complaints
    assert code == (3 if complaints else 0), complaints  # 3: lint problems, 1: unparsable
