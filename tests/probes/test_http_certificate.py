"""HTTP monitors with tls_expiry_days: the worker checks their certificate along with the
response (real local HTTPS servers), and the merge of the two results (pure)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from betteruptime.domain.messages import CheckJob, CheckResult
from betteruptime.probes.http_certificate import merge_certificate
from betteruptime.probes.registry import Probes
from testkit.tls_server import TEST_ISSUER, TlsServer, make_ca

MakeJob = Callable[..., CheckJob]


@pytest.fixture
async def probes() -> AsyncIterator[Probes]:
    """The worker's dispatcher, so the test goes where a real http job goes."""
    dispatcher = Probes()
    yield dispatcher
    await dispatcher.close()


@pytest.fixture
async def expiring_server() -> AsyncIterator[TlsServer]:
    server = TlsServer(make_ca(), expires_in=timedelta(days=3))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def lasting_server() -> AsyncIterator[TlsServer]:
    server = TlsServer(make_ca(), expires_in=timedelta(days=90))
    await server.start()
    yield server
    await server.stop()


# verify_tls is off in these tests because the HTTP probe trusts the system's CAs only;
# the dates are judged all the same (test_tls_probe covers the verified handshake).


async def test_an_http_monitor_goes_down_when_its_certificate_expires_within_the_margin(
    probes: Probes, expiring_server: TlsServer, make_job: MakeJob
) -> None:
    job = make_job(expiring_server.url("/"), verify_tls=False, tls_expiry_days=14)

    result = await probes.check(job)

    assert not result.up
    # The page itself was fine: the certificate is what failed.
    assert result.status_code == 200
    assert result.error is not None
    assert result.error.startswith("certificate expires in 2 days ("), result.error
    assert f"within the 14-day margin (issuer: {TEST_ISSUER})" in result.error
    assert result.cert_expires_at == expiring_server.not_after
    assert result.cert_issuer == TEST_ISSUER
    assert result.timings.first_byte_ms is not None  # the HTTP check's timings


async def test_a_keyword_monitor_stays_up_with_a_lasting_certificate_and_reports_it(
    probes: Probes, lasting_server: TlsServer, make_job: MakeJob
) -> None:
    job = make_job(
        lasting_server.url("/"), kind="keyword", keyword="ok", verify_tls=False, tls_expiry_days=14
    )

    result = await probes.check(job)

    assert result.up, result.error
    assert result.cert_expires_at == lasting_server.not_after
    assert result.cert_issuer == TEST_ISSUER


async def test_an_http_monitor_without_tls_expiry_days_does_not_look_at_the_certificate(
    probes: Probes, expiring_server: TlsServer, make_job: MakeJob
) -> None:
    result = await probes.check(make_job(expiring_server.url("/"), verify_tls=False))

    assert result.up, result.error
    assert result.cert_expires_at is None and result.cert_issuer is None


# The merge alone: no servers.

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def _result(*, up: bool, error: str | None = None, expires: datetime | None = None) -> CheckResult:
    return CheckResult(
        monitor_id=1,
        region="eu-west",
        due_at=NOW,
        checked_at=NOW,
        up=up,
        error=error,
        response_time_ms=42.0 if up else None,
        cert_expires_at=expires,
        cert_issuer="Let's Encrypt" if expires else None,
    )


def test_a_failing_certificate_takes_a_good_response_down() -> None:
    expires = NOW + timedelta(days=3)
    cert = _result(up=False, error="certificate expires in 3 days", expires=expires)

    merged = merge_certificate(_result(up=True), cert)

    assert not merged.up
    assert merged.error == "certificate expires in 3 days"
    assert merged.response_time_ms == 42.0  # still the response's
    assert (merged.cert_expires_at, merged.cert_issuer) == (expires, "Let's Encrypt")


def test_both_failures_are_reported_when_the_certificate_was_read() -> None:
    cert = _result(up=False, error="certificate expires in 3 days", expires=NOW)

    merged = merge_certificate(_result(up=False, error="status 500, expected 200-299"), cert)

    assert merged.error == "status 500, expected 200-299; certificate expires in 3 days"


def test_a_connection_failure_is_not_reported_twice() -> None:
    http = _result(up=False, error="connection refused by example.com:443")
    cert = _result(up=False, error="connection refused by example.com:443")

    merged = merge_certificate(http, cert)

    assert not merged.up
    assert merged.error == "connection refused by example.com:443"
    assert merged.cert_expires_at is None


def test_a_good_response_and_a_good_certificate_stay_up() -> None:
    merged = merge_certificate(_result(up=True), _result(up=True, expires=NOW))

    assert merged.up and merged.error is None
    assert merged.cert_expires_at == NOW
