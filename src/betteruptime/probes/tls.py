"""The TLS probe: a TLS handshake with a server, judged by the certificate it presents.

Used for the `tls` monitor kind (an https:// URL; port 443 unless it names one), and by
`probes.http_certificate` for HTTP monitors with `tls_expiry_days`. DNS, TCP connect and
handshake are timed apart, as in the TCP probe. No HTTP request is sent: the certificate
is all this check is about.

The certificate is read in DER form and parsed with `cryptography`, verified or not: the
standard library decodes only a verified peer certificate (`getpeercert()` is empty with
verification off), and one parser for both cases keeps them reading the same fields.
"""

from __future__ import annotations

import asyncio
import errno
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohappyeyeballs
from cryptography import x509
from cryptography.x509.oid import NameOID

from betteruptime.domain.addresses import TargetPolicy
from betteruptime.domain.assertions import certificate_failures
from betteruptime.domain.messages import CheckJob, CheckResult, ProbeSpec
from betteruptime.domain.targets import target_address
from betteruptime.domain.verdicts import Certificate, certificate_failure, response_time_failure
from betteruptime.probes.results import (
    CheckFailed,
    Stopwatch,
    guarded,
    make_result,
)
from betteruptime.probes.streams import close_stream, host_port, resolve

# As in the TCP probe: a dead address of several does not use up the whole timeout.
HAPPY_EYEBALLS_DELAY = 0.25


def parse_certificate(der: bytes) -> Certificate:
    """The validity period and issuer of a DER certificate; ValueError when malformed."""
    cert = x509.load_der_x509_certificate(der)
    return Certificate(
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        issuer=issuer_name(cert.issuer),
    )


def issuer_name(name: x509.Name) -> str | None:
    """The issuer's organisation ("Let's Encrypt"), else its common name, else None."""
    for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME):
        for attribute in name.get_attributes_for_oid(oid):
            value = attribute.value
            text = value if isinstance(value, str) else value.decode(errors="replace")
            if text.strip():
                return text.strip()
    return None


@dataclass
class _Attempt(Stopwatch):
    """One check's marks and phase."""


class TlsProbe:
    """Checks the certificate an https:// server presents.

    `verify_context` verifies the chain and host name when the monitor's verify_tls is
    on; by default the system's trust store (which honours SSL_CERT_FILE). With
    verify_tls off the certificate is still read and its dates still judged. `policy`,
    when given, refuses addresses the SSRF guard forbids before connecting.
    """

    def __init__(
        self,
        verify_context: ssl.SSLContext | None = None,
        policy: TargetPolicy | None = None,
    ) -> None:
        self._policy = policy
        # Built once: loading the trust store reads files, not something to do per check.
        self._verifying = verify_context or ssl.create_default_context()
        self._trusting = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self._trusting.check_hostname = False
        self._trusting.verify_mode = ssl.CERT_NONE

    async def close(self) -> None:
        """Nothing to release: every check closes its own connection."""

    async def check(self, job: CheckJob) -> CheckResult:
        """The `tls` kind: the certificate check, the handshake time against
        max_response_time_ms, and the certificate_days assertions. Never raises (except
        on cancellation)."""
        result = await self.inspect(job)
        failures = []
        if result.response_time_ms is not None:
            failures.append(response_time_failure(job.spec, result.response_time_ms))
        if result.cert_expires_at is not None:
            now = result.checked_at
            failures += certificate_failures(job.spec, result.cert_expires_at, now=now)
        if not any(failures):
            return result
        error = "; ".join(text for text in (result.error, *failures) if text)
        return result.model_copy(update={"up": False, "error": error})

    async def inspect(self, job: CheckJob) -> CheckResult:
        """The certificate check alone: handshake, verification, validity and margin.

        response_time_ms is the time to a completed handshake. cert_expires_at and
        cert_issuer are set whenever a certificate was read, up or down.
        """
        attempt = _Attempt()
        return await guarded(
            job, lambda checked_at: self._judge(job, checked_at, attempt), timings=attempt.timings
        )

    async def _judge(self, job: CheckJob, checked_at: datetime, attempt: _Attempt) -> CheckResult:
        cert = await self._handshake(job.spec, attempt)
        timings = attempt.timings()
        failure = certificate_failure(
            cert, now=datetime.now(UTC), margin_days=job.spec.tls_expiry_days
        )
        result = make_result(
            job,
            checked_at,
            up=failure is None,
            response_time_ms=timings.total_ms,
            error=failure,
            timings=timings,
        )
        return result.model_copy(
            update={"cert_expires_at": cert.not_after, "cert_issuer": cert.issuer}
        )

    async def _handshake(self, spec: ProbeSpec, attempt: _Attempt) -> Certificate:
        host, port = target_address("tls", spec.url)
        context = self._verifying if spec.verify_tls else self._trusting
        try:
            async with asyncio.timeout(spec.timeout_seconds):
                addresses = await resolve(host, port, attempt, self._policy)
                writer = await _connect(addresses, host, context, attempt)
        # TimeoutError is an OSError too: it has to come first.
        except TimeoutError:
            raise CheckFailed(
                f"timed out after {spec.timeout_seconds:g} s ({attempt.phase})"
            ) from None
        except ssl.SSLCertVerificationError as exc:
            reason = exc.verify_message or exc.reason or str(exc)
            raise CheckFailed(f"TLS certificate verification failed for {host}: {reason}") from None
        except ssl.SSLError as exc:
            raise CheckFailed(f"TLS handshake failed for {host}: {exc.reason or exc}") from None
        except OSError as exc:
            raise CheckFailed(_describe(exc, host, port)) from None
        finally:
            # Marked before closing: winding the connection down is not the server's time.
            attempt.mark("done")
        try:
            return _peer_certificate(writer, host)
        finally:
            await close_stream(writer)


async def _connect(
    addresses: list[aiohappyeyeballs.AddrInfoType],
    host: str,
    context: ssl.SSLContext,
    attempt: _Attempt,
) -> asyncio.StreamWriter:
    """Connect and complete the TLS handshake; the writer of the connection."""
    attempt.mark("connect_start", "connecting")
    sock = await aiohappyeyeballs.start_connection(
        addresses, happy_eyeballs_delay=HAPPY_EYEBALLS_DELAY
    )
    attempt.mark("connect_end")
    attempt.mark("tls_start", "TLS handshake")
    try:
        # server_hostname: sent as SNI, and the name verification checks against.
        _, writer = await asyncio.open_connection(sock=sock, ssl=context, server_hostname=host)
    except BaseException:
        sock.close()
        raise
    attempt.mark("tls_end", "reading the certificate")
    return writer


def _peer_certificate(writer: asyncio.StreamWriter, host: str) -> Certificate:
    ssl_object = writer.get_extra_info("ssl_object")
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    if not der:
        raise CheckFailed(f"{host} presented no certificate")
    try:
        return parse_certificate(der)
    except ValueError as exc:
        raise CheckFailed(f"could not read the certificate of {host}: {exc}") from None


def _describe(exc: OSError, host: str, port: int) -> str:
    where = host_port(host, port)
    # Refused on every address of a name: aiohappyeyeballs raises a plain OSError.
    if isinstance(exc, ConnectionRefusedError) or exc.errno == errno.ECONNREFUSED:
        return f"connection refused by {where}"
    return f"could not connect to {where}: {exc.strerror or exc}"
