"""The DNS probe: query one record type for a name and compare the answer with what is expected.

Used for the `dns` monitor kind (`dns://name`, with `dns_record_type`, `dns_resolver` and
`expected_values`). It asks the monitor's resolver when one is set, else the system's,
never caches, and hands the answer to `domain.verdicts` to be judged (no I/O there).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.rdtypes.ANY.CNAME
import dns.rdtypes.ANY.MX
import dns.rdtypes.ANY.NS
import dns.rdtypes.ANY.TXT
import dns.resolver

from betteruptime.domain.addresses import TargetPolicy, refusal
from betteruptime.domain.messages import CheckJob, CheckResult, ProbeSpec, Timings
from betteruptime.domain.targets import DNS_PORT, TargetError, resolver_address, target_host
from betteruptime.domain.verdicts import (
    dns_mismatch,
    dns_name_value,
    dns_value,
    quote,
    response_time_failure,
)
from betteruptime.probes.results import CheckFailed, guarded, make_result, ms_between

RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "TXT", "NS")


class DnsProbe:
    """Checks `dns://name` targets. Create and use it inside one running event loop.

    `policy`, when given, refuses a `dns_resolver` address the SSRF guard forbids.
    """

    def __init__(self, policy: TargetPolicy | None = None) -> None:
        self._policy = policy
        self._system: dns.asyncresolver.Resolver | None = None

    async def close(self) -> None:
        """Nothing to release: queries hold no connection between checks."""

    async def check(self, job: CheckJob) -> CheckResult:
        """Run one check. Never raises (except on cancellation): failures are results."""
        return await guarded(job, lambda checked_at: self._check(job, checked_at))

    async def _check(self, job: CheckJob, checked_at: datetime) -> CheckResult:
        spec = job.spec
        name = _name(spec.url)
        rdtype = spec.dns_record_type.upper()
        if rdtype not in RECORD_TYPES:
            raise CheckFailed(f'unsupported record type "{rdtype[:16]}"')
        resolver, where = await self._resolver(spec)
        start = time.perf_counter()
        try:
            # lifetime bounds dnspython's retries; the outer timeout is a guarantee on top.
            async with asyncio.timeout(spec.timeout_seconds):
                answer = await resolver.resolve(
                    name, rdtype, lifetime=spec.timeout_seconds, search=False
                )
        except (dns.exception.DNSException, TimeoutError) as exc:
            took_ms = ms_between(start, time.perf_counter())
            error = _describe(exc, name, rdtype, where, spec.timeout_seconds)
            return make_result(job, checked_at, error=error, timings=_timings(took_ms))
        took_ms = ms_between(start, time.perf_counter()) or 0.0
        failures = [
            dns_mismatch(rdtype, spec.expected_values, answer_values(rdtype, answer)),
            response_time_failure(spec, took_ms),
        ]
        errors = [failure for failure in failures if failure]
        return make_result(
            job,
            checked_at,
            up=not errors,
            response_time_ms=took_ms,
            error="; ".join(errors) or None,
            timings=_timings(took_ms),
        )

    async def _resolver(self, spec: ProbeSpec) -> tuple[dns.asyncresolver.Resolver, str]:
        """The resolver to ask, and how to name it in error texts."""
        if spec.dns_resolver:
            host, port = _resolver_address(spec.dns_resolver)
            if self._policy is not None and (reason := refusal(host, self._policy)):
                raise CheckFailed(f"not querying DNS resolver {host}: {reason}")
            # configure=False: no /etc/resolv.conf read, so nothing blocks here.
            resolver = dns.asyncresolver.Resolver(configure=False)
            resolver.nameservers = [dns.nameserver.Do53Nameserver(host, port)]
            return resolver, f"DNS resolver {_address(host, port)}"
        if self._system is None:
            try:
                # Reading /etc/resolv.conf is file I/O: done once, off the event loop.
                self._system = await asyncio.to_thread(dns.asyncresolver.Resolver)
            except dns.resolver.NoResolverConfiguration:
                raise CheckFailed(
                    "no system DNS resolver is configured on this worker; set dns_resolver"
                ) from None
        return self._system, "the system DNS resolver"


def _timings(took_ms: float | None) -> Timings:
    # The whole check is one DNS query, so the DNS phase is the total.
    return Timings(dns_ms=took_ms, total_ms=took_ms)


def _name(url: str) -> dns.name.Name:
    """The absolute name of a dns:// URL, so no search domain is ever appended."""
    host = target_host("dns", url)
    try:
        return dns.name.from_text(host)
    except dns.exception.DNSException:
        raise CheckFailed(f"invalid DNS name {quote(host)}") from None


def _resolver_address(value: str) -> tuple[str, int]:
    try:
        return resolver_address(value)
    except TargetError:
        raise CheckFailed(f"invalid dns_resolver {quote(value)}, expected IP or IP:port") from None


def _address(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if port == DNS_PORT else f"{shown}:{port}"


def _shown(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True)


def _describe(
    exc: BaseException, name: dns.name.Name, rdtype: str, where: str, timeout: float
) -> str:
    """A short error text for a failed query: what failed and who said so."""
    if isinstance(exc, dns.resolver.NXDOMAIN):
        return f"{_shown(name)} does not exist (NXDOMAIN)"
    if isinstance(exc, dns.resolver.NoAnswer):
        return f"no {rdtype} records for {_shown(name)}"
    if isinstance(exc, dns.exception.Timeout | TimeoutError):
        return f"DNS query timed out after {timeout:g} s ({where})"
    if isinstance(exc, dns.resolver.NoNameservers):
        return _no_nameservers(exc, where)
    if isinstance(exc, dns.resolver.YXDOMAIN):
        return f"{_shown(name)} is too long after DNAME substitution (YXDOMAIN)"
    return f"DNS query failed ({where}): {type(exc).__name__}: {str(exc)[:200]}"


def _no_nameservers(exc: dns.resolver.NoNameservers, where: str) -> str:
    """What the servers said: an rcode (SERVFAIL, REFUSED) as text, or an I/O error."""
    said: list[str] = []
    for error in exc.kwargs.get("errors") or []:
        detail = error[3]
        text = f"answered {detail}" if isinstance(detail, str) else f"failed: {detail}"
        if text not in said:
            said.append(text)
    return f"{where} {', '.join(said) or 'gave no usable answer'}"


def answer_values(rdtype: str, answer: dns.resolver.Answer) -> list[str]:
    """The answer's records as text, in the normalized form expected values are compared in.

    A/AAAA: canonical addresses; CNAME/NS: target names; MX: "10 mail.example.com";
    TXT: each record's strings joined. Names are lowercase without the trailing dot.
    """
    values: list[str] = []
    for rdata in answer:
        if isinstance(rdata, dns.rdtypes.ANY.MX.MX):
            values.append(f"{rdata.preference} {dns_name_value(rdata.exchange.to_text())}")
        elif isinstance(rdata, dns.rdtypes.ANY.TXT.TXT):
            values.append(b"".join(rdata.strings).decode("utf-8", errors="replace"))
        elif isinstance(rdata, dns.rdtypes.ANY.CNAME.CNAME | dns.rdtypes.ANY.NS.NS):
            values.append(dns_name_value(rdata.target.to_text()))
        else:  # A and AAAA
            values.append(dns_value(rdtype, rdata.to_text()))
    return values
