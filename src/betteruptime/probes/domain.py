"""The domain probe: the registration's expiry date, read over RDAP (probes/rdap.py),
judged against `domain_expiry_days` (domain/verdicts.py).

Used for the `domain` kind (`domain://example.com`) and by :class:`WithDomainExpiry` for
http, keyword and json monitors with `domain_expiry_days`, whose URL's host is checked.
Either way the registrable domain of the host is what is looked up:
`www.example.co.uk` is registered as `example.co.uk`.

The result's `details` are `{"domain", "expires_at", "registrar", "rdap_url",
"answered_at"}` (and `refresh_error` when the registry could not be asked again and its
last answer was used); `domain_expires_at` carries the date to the monitor's state.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from betteruptime.domain.messages import CheckJob, CheckResult, ProbeSpec
from betteruptime.domain.monitor_kinds import DEFAULT_DOMAIN_EXPIRY_DAYS
from betteruptime.domain.rdap import registrable_domain
from betteruptime.domain.targets import split_target, target_host
from betteruptime.domain.verdicts import domain_expiry_failure
from betteruptime.probes.base import Probe
from betteruptime.probes.rdap import Lookup, RdapClient
from betteruptime.probes.results import CheckFailed, guarded, make_result


def checked_host(spec: ProbeSpec) -> str:
    """The host whose registration a monitor watches: a `domain` URL's name, else the
    host of the http(s) URL. TargetError or CheckFailed when there is none."""
    if spec.kind == "domain":
        return target_host("domain", spec.url)
    host = split_target(spec.url).host
    if not host:
        raise CheckFailed("the URL names no host whose domain could be checked")
    return host


def lookup_details(lookup: Lookup) -> dict[str, Any]:
    """What a check says about the registration, as the check's `details` (JSON)."""
    registration = lookup.registration
    details: dict[str, Any] = {
        "domain": registration.domain,
        "expires_at": registration.expires_at.isoformat(),
        "registrar": registration.registrar,
        "rdap_url": registration.rdap_url,
        "answered_at": lookup.answered_at.isoformat(),
    }
    if lookup.refresh_error is not None:
        details["refresh_error"] = lookup.refresh_error
    return details


class DomainProbe:
    """Checks when a monitor's domain registration expires. Never raises (except on
    cancellation), like every probe."""

    def __init__(self, rdap: RdapClient) -> None:
        self._rdap = rdap

    async def close(self) -> None:
        await self._rdap.close()

    async def check(self, job: CheckJob) -> CheckResult:
        return await guarded(job, lambda checked_at: self._judge(job, checked_at))

    async def _judge(self, job: CheckJob, checked_at: datetime) -> CheckResult:
        host = checked_host(job.spec)
        domain = registrable_domain(host)
        if domain is None:
            raise CheckFailed(f"{host} is not a name under a registered domain")
        lookup = await self._rdap.lookup(domain, timeout=job.spec.timeout_seconds)
        threshold = job.spec.domain_expiry_days or DEFAULT_DOMAIN_EXPIRY_DAYS
        expires_at = lookup.registration.expires_at
        failure = domain_expiry_failure(
            domain, expires_at, now=datetime.now(UTC), threshold_days=threshold
        )
        result = make_result(job, checked_at, up=failure is None, error=failure)
        return result.model_copy(
            update={"domain_expires_at": expires_at, "details": lookup_details(lookup)}
        )


def merge_domain(main: CheckResult, domain: CheckResult) -> CheckResult:
    """The main check's result, down too when the domain check failed, with what the
    domain check saw (no I/O). Timings and response time stay the main check's."""
    errors = [error for error in (main.error, domain.error) if error]
    details = {**(main.details or {}), **(domain.details or {})}
    return main.model_copy(
        update={
            "up": main.up and domain.up,
            "error": "; ".join(errors) or None,
            "domain_expires_at": domain.domain_expires_at,
            "details": details or None,
        }
    )


class WithDomainExpiry:
    """An http, keyword or json monitor's check, plus the domain check of its URL's host
    when the monitor has `domain_expiry_days`, run alongside it."""

    def __init__(self, probe: Probe, domain: DomainProbe) -> None:
        self._probe = probe
        self._domain = domain

    async def check(self, job: CheckJob) -> CheckResult:
        if job.spec.domain_expiry_days is None:
            return await self._probe.check(job)
        main, domain = await asyncio.gather(self._probe.check(job), self._domain.check(job))
        return merge_domain(main, domain)

    async def close(self) -> None:
        """Close the wrapped probe; the domain probe is shared with the `domain` kind."""
        await self._probe.close()
