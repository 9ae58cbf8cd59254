"""The TLS probe against real local HTTPS servers with test-CA certificates: expiry
margins, verification failures, timings, and the pure certificate judgement."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import trustme

from betteruptime.domain.messages import CheckJob
from betteruptime.probes.registry import Probes
from betteruptime.probes.tls import TlsProbe
from testkit.tls_server import TEST_ISSUER, TlsServer, trusting_context

MakeJob = Callable[..., CheckJob]
StartServer = Callable[..., Awaitable[TlsServer]]


@pytest.fixture
def probe(ca: trustme.CA) -> TlsProbe:
    """A TLS probe that trusts the test CA, as it trusts public CAs in production."""
    return TlsProbe(trusting_context(ca))


@pytest.fixture
async def start_server(ca: trustme.CA) -> AsyncIterator[StartServer]:
    """Start an HTTPS server whose certificate expires in `days`; stopped after the test."""
    servers: list[TlsServer] = []

    async def start(days: float, **options: Any) -> TlsServer:
        server = TlsServer(ca, expires_in=timedelta(days=days), **options)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
def tls_job(make_job: MakeJob) -> MakeJob:
    def factory(url: str, **fields: object) -> CheckJob:
        defaults: dict[str, object] = {"tls_expiry_days": 14, "timeout_seconds": 2.0}
        return make_job(url, kind="tls", **{**defaults, **fields})

    return factory


async def test_it_reports_down_when_the_certificate_expires_within_the_margin(
    probe: TlsProbe, start_server: StartServer, tls_job: MakeJob
) -> None:
    server = await start_server(days=3)

    result = await probe.check(tls_job(server.url()))

    assert not result.up
    # Three days less the moments since the certificate was made: two whole days.
    day = server.not_after.date().isoformat()
    assert result.error == (
        f"certificate expires in 2 days ({day}), within the 14-day margin (issuer: {TEST_ISSUER})"
    )
    assert result.cert_expires_at == server.not_after
    assert result.cert_issuer == TEST_ISSUER


async def test_it_reports_up_with_the_expiry_date_and_a_timing_breakdown(
    probe: TlsProbe, start_server: StartServer, tls_job: MakeJob
) -> None:
    server = await start_server(days=90)
    job = tls_job(server.url())

    result = await probe.check(job)

    assert result.up, result.error
    assert result.error is None
    assert (result.monitor_id, result.region, result.due_at) == (7, "eu-west", job.due_at)
    expected = datetime.now(UTC) + timedelta(days=90)
    assert result.cert_expires_at is not None
    assert abs(result.cert_expires_at - expected) < timedelta(seconds=10)
    assert result.cert_issuer == TEST_ISSUER
    timings = result.timings
    assert timings.dns_ms is not None and timings.connect_ms is not None
    assert timings.tls_ms is not None and timings.tls_ms > 0
    assert timings.total_ms is not None
    assert timings.dns_ms + timings.connect_ms + timings.tls_ms <= timings.total_ms
    assert timings.first_byte_ms is None
    assert result.response_time_ms == timings.total_ms


async def test_it_reports_down_when_the_certificate_is_for_another_name(
    probe: TlsProbe, start_server: StartServer, tls_job: MakeJob
) -> None:
    server = await start_server(days=90, names=("other.example",))

    result = await probe.check(tls_job(server.url()))

    assert not result.up
    assert result.error is not None
    assert result.error.startswith(
        "TLS certificate verification failed for localhost: Hostname mismatch"
    ), result.error
    assert result.cert_expires_at is None


async def test_it_reports_down_when_the_issuer_is_not_trusted(
    start_server: StartServer, tls_job: MakeJob
) -> None:
    server = await start_server(days=90)

    # The system's trust store only: the test CA is as unknown as a self-signed one.
    result = await TlsProbe().check(tls_job(server.url()))

    assert not result.up
    assert result.error == (
        "TLS certificate verification failed for localhost: unable to get local issuer certificate"
    )


async def test_it_still_judges_the_dates_when_verification_is_off(
    start_server: StartServer, tls_job: MakeJob
) -> None:
    trusted_later = await start_server(days=90)
    expiring = await start_server(days=3)
    untrusting = TlsProbe()

    up = await untrusting.check(tls_job(trusted_later.url(), verify_tls=False))
    down = await untrusting.check(tls_job(expiring.url(), verify_tls=False))

    assert up.up, up.error
    assert up.cert_expires_at == trusted_later.not_after
    assert not down.up
    assert down.error is not None and down.error.startswith("certificate expires in 2 days")
    assert down.cert_issuer == TEST_ISSUER


async def test_it_reports_an_expired_certificate_with_and_without_verification(
    probe: TlsProbe, start_server: StartServer, tls_job: MakeJob
) -> None:
    server = await start_server(days=-2)

    verified = await probe.check(tls_job(server.url()))
    unverified = await probe.check(tls_job(server.url(), verify_tls=False))

    assert not verified.up
    assert verified.error == (
        "TLS certificate verification failed for localhost: certificate has expired"
    )
    assert not unverified.up
    day = server.not_after.date().isoformat()
    assert unverified.error == f"certificate expired 2 days ago ({day}) (issuer: {TEST_ISSUER})"


async def test_it_fails_a_slow_handshake_when_a_response_time_limit_is_set(
    probe: TlsProbe, start_server: StartServer, tls_job: MakeJob
) -> None:
    server = await start_server(days=90)

    result = await probe.check(tls_job(server.url(), max_response_time_ms=0))

    assert not result.up
    assert result.error is not None and result.error.startswith("response took ")
    assert result.cert_expires_at == server.not_after


async def test_it_reports_a_refused_connection(
    probe: TlsProbe, refused_port: int, tls_job: MakeJob
) -> None:
    # By name, as a user writes it; the error names the host the user wrote.
    result = await probe.check(tls_job(f"https://localhost:{refused_port}/"))

    assert not result.up
    assert result.error == f"connection refused by localhost:{refused_port}"
    assert result.timings.connect_ms is None and result.timings.total_ms is not None


async def test_it_times_out_when_the_server_never_answers_the_handshake(
    probe: TlsProbe, tls_job: MakeJob
) -> None:
    # Accepts the TCP connection, then says nothing: a TLS client waits for its reply.
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        result = await probe.check(tls_job(f"https://127.0.0.1:{port}/", timeout_seconds=0.3))
    finally:
        server.close()

    assert not result.up
    assert result.error == "timed out after 0.3 s (TLS handshake)"
    assert result.timings.connect_ms is not None


@pytest.mark.parametrize("url", ["tcp://example.com:443", "https://", "https://host:99999/"])
async def test_it_reports_an_invalid_url(probe: TlsProbe, tls_job: MakeJob, url: str) -> None:
    result = await probe.check(tls_job(url))

    assert not result.up
    assert result.error == "invalid URL, expected https://host[:port]"


async def test_the_worker_routes_tls_monitors_to_it(
    start_server: StartServer, tls_job: MakeJob
) -> None:
    server = await start_server(days=3)
    probes = Probes()
    try:
        result = await probes.check(tls_job(server.url(), verify_tls=False))
    finally:
        await probes.close()

    assert not result.up
    assert result.error is not None and "within the 14-day margin" in result.error
