"""HTTP checks that also watch the certificate: `tls_expiry_days` on an http, keyword or
json monitor with an https:// URL.

The HTTP probe's connection cannot show the certificate once aiohttp has it, so the
certificate is read by a TLS check of its own (probes.tls), run alongside the request;
the two results are merged into one. The extra handshake costs the target one more
connection per check, only for monitors that asked for the expiry check.
"""

from __future__ import annotations

import asyncio

from betteruptime.domain.assertions import certificate_failures, wants_certificate_days
from betteruptime.domain.messages import CheckJob, CheckResult, ProbeSpec
from betteruptime.domain.targets import has_certificate
from betteruptime.probes.base import Probe
from betteruptime.probes.tls import TlsProbe


def wants_certificate(spec: ProbeSpec) -> bool:
    """Whether the monitor's certificate is checked along with its HTTP response: it
    has tls_expiry_days or a certificate_days assertion, and an https URL."""
    wanted = spec.tls_expiry_days is not None or wants_certificate_days(spec)
    return wanted and has_certificate(spec.url)


def merge_certificate(
    http: CheckResult, cert: CheckResult, spec: ProbeSpec | None = None
) -> CheckResult:
    """The HTTP result, down too when the certificate check failed, carrying what the
    certificate check saw (no I/O).

    The response's timings and response time stay the HTTP check's. When the
    certificate check could not read a certificate (refused, verification failed) and
    the HTTP check failed as well, both failed on the same connection problem: only
    the HTTP check's wording is kept, rather than saying it twice. The monitor's
    certificate_days assertions are judged here, on the certificate's expiry.
    """
    errors = [http.error] if http.error else []
    saw_certificate = cert.cert_expires_at is not None
    if cert.error and (saw_certificate or http.up):
        errors.append(cert.error)
    days = []
    if spec is not None and (saw_certificate or http.up):
        days = certificate_failures(spec, cert.cert_expires_at, now=cert.checked_at)
    errors += days
    return http.model_copy(
        update={
            "up": http.up and cert.up and not days,
            "error": "; ".join(errors) or None,
            "cert_expires_at": cert.cert_expires_at,
            "cert_issuer": cert.cert_issuer,
        }
    )


class HttpWithCertificate:
    """The http, keyword and json kinds: `http`'s check, plus `tls`'s certificate check
    when the monitor wants it (see :func:`wants_certificate`). Never raises, like both."""

    def __init__(self, http: Probe, tls: TlsProbe) -> None:
        self._http = http
        self._tls = tls

    async def check(self, job: CheckJob) -> CheckResult:
        if not wants_certificate(job.spec):
            return await self._http.check(job)
        # Concurrently, so the check takes no longer than the slower of the two.
        http, cert = await asyncio.gather(self._http.check(job), self._tls.inspect(job))
        return merge_certificate(http, cert, job.spec)

    async def close(self) -> None:
        """Close the HTTP probe; the TLS probe is shared with the `tls` kind."""
        await self._http.close()
