"""`betteruptime up` as a user runs it, for the end-to-end tests (one `product` fixture),
and the local servers they point monitors at: a TCP echo, a DNS zone, an HTTPS server
whose certificate is about to expire, and the test CA it is signed by.

A test module that needs other settings overrides `product_env` (a fixture of its own
with that name), and may take other fixtures there, such as a CA to trust.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import trustme

from testkit.api import embedded_product
from testkit.processes import BetterUptimeProcess
from testkit.tcp_server import PingServer
from testkit.tls_server import TlsServer


@dataclass(frozen=True)
class Product:
    """A running `betteruptime up`: its process, its base URL and its SQLite file."""

    process: BetterUptimeProcess
    base: str
    database: Path


@pytest.fixture
def product_env() -> dict[str, str]:
    """Environment variables for `product` beyond testkit's (port, database, 1 s checks)."""
    return {}


@pytest.fixture
async def product(tmp_path: Path, product_env: dict[str, str]) -> AsyncIterator[Product]:
    """`betteruptime up` in a subprocess on a free port with its own SQLite file. Unless
    the test stopped it, it must stop cleanly afterwards, without a traceback logged."""
    async with embedded_product(tmp_path, **product_env) as (process, base):
        yield Product(process, base, tmp_path / "betteruptime.db")
        if process.running():
            assert process.stop() == 0, process.log()
        assert "Traceback" not in process.log(), process.log()


@pytest.fixture
def ca_file(tmp_path: Path, ca: trustme.CA) -> Path:
    """The test CA as a PEM file, for `SSL_CERT_FILE`: a product started with it trusts
    the CA as a machine trusts a public one (the store OpenSSL's default context loads)."""
    path = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
async def expiring_server(ca: trustme.CA) -> AsyncIterator[TlsServer]:
    """HTTPS with a certificate that expires in 3 days."""
    server = TlsServer(ca, expires_in=timedelta(days=3))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def ping_server() -> AsyncIterator[PingServer]:
    """A TCP server that answers PONG to PING."""
    server = PingServer()
    await server.start()
    yield server
    await server.stop()
