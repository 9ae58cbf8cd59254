"""Judging what a TLS, domain, ping or DNS check found against the monitor's rules.

The probes do the network calls and hand what they saw to these functions, as the HTTP
probe hands a response to `domain.assertions`; each returns the failure worded for the
user, or None. Values from the far end are quoted the same way everywhere.

Pure: no I/O.
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import dns.exception
import dns.name

from betteruptime.domain.messages import ProbeSpec

# Text quoted from the far end (a TCP reply, a DNS answer) is cut to this many
# characters, so a chatty server cannot turn an error text into a wall of data.
MAX_QUOTED = 80
# At most this many DNS answer values are quoted in a mismatch message.
MAX_VALUES_SHOWN = 10


def quote(text: str, limit: int = MAX_QUOTED) -> str:
    """`text` in single quotes, control characters escaped, cut to `limit` characters.

    Escaping keeps a reply's "\\r\\n" visible and keeps the error text on one line.
    """
    shown = "".join(_escape(char) for char in text)
    if len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return f"'{shown}'"


def _escape(char: str) -> str:
    if char == "\n":
        return "\\n"
    if char == "\r":
        return "\\r"
    if char == "\t":
        return "\\t"
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f"\\x{ord(char):02x}"
    return char


def response_time_failure(spec: ProbeSpec, took_ms: float) -> str | None:
    """The max_response_time_ms rule, worded the same for every kind."""
    limit = spec.max_response_time_ms
    return None if limit is None else slower_than(took_ms, limit)


def slower_than(took_ms: float, limit: int) -> str | None:
    """ "response took 1520 ms, expected at most 1000 ms", or None within the limit."""
    if took_ms <= limit:
        return None
    return f"response took {took_ms:.0f} ms, expected at most {limit} ms"


# --- tls: the certificate ----------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    """What a check reads from the server's certificate."""

    not_before: datetime
    not_after: datetime
    issuer: str | None


def certificate_failure(cert: Certificate, *, now: datetime, margin_days: int | None) -> str | None:
    """Why `cert` fails the monitor at `now`, or None.

    Outside its validity period it always fails, verified or not: a browser would refuse
    it. Inside, it fails when it expires within `margin_days` (None: not checked).
    """
    by = f" (issuer: {cert.issuer})" if cert.issuer else ""
    if now < cert.not_before:
        return f"certificate is not valid until {_day(cert.not_before)}{by}"
    left = cert.not_after - now
    if left <= timedelta(0):
        return f"certificate expired {_span(-left)} ago ({_day(cert.not_after)}){by}"
    if margin_days is not None and left < timedelta(days=margin_days):
        return (
            f"certificate expires in {_span(left)} ({_day(cert.not_after)}), "
            f"within the {margin_days}-day margin{by}"
        )
    return None


def days_left(not_after: datetime, now: datetime) -> int:
    """Whole days until `not_after` (as certbot counts them); negative once past."""
    return math.floor((not_after - now) / timedelta(days=1))


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


def _span(length: timedelta) -> str:
    """Whole days left (as certbot counts them), or hours when under a day."""
    if length >= timedelta(days=1):
        days = length.days
        return f"{days} day" if days == 1 else f"{days} days"
    hours = int(length.total_seconds() // 3600)
    if hours == 0:
        return "less than an hour"
    return f"{hours} hour" if hours == 1 else f"{hours} hours"


# --- domain: the registration ----------------------------------------------------


def domain_expiry_failure(
    domain: str, expires_at: datetime, *, now: datetime, threshold_days: int
) -> str | None:
    """Why a domain registered until `expires_at` fails the monitor at `now`, or None:
    it has expired, or expires within `threshold_days` (days counted as for
    certificates: whole days, hours under a day)."""
    left = expires_at - now
    if left <= timedelta(0):
        return f"domain {domain} expired {_span(-left)} ago ({_day(expires_at)})"
    if left < timedelta(days=threshold_days):
        return (
            f"domain {domain} expires in {_span(left)} ({_day(expires_at)}), "
            f"threshold {threshold_days}"
        )
    return None


# --- ping: loss and round trips ----------------------------------------------------


@dataclass(frozen=True)
class Pings:
    """What the echo requests of one check brought back."""

    address: str
    sent: int
    rtts_ms: list[float] = field(default_factory=list)
    # Why the last lost packet was lost, when something said so (an ICMP error, a send
    # error); None when replies simply did not come.
    last_error: str | None = None

    @property
    def received(self) -> int:
        return len(self.rtts_ms)

    @property
    def average_ms(self) -> float | None:
        return round(sum(self.rtts_ms) / len(self.rtts_ms), 3) if self.rtts_ms else None


def ping_failures(spec: ProbeSpec, pings: Pings) -> list[str]:
    """The ways `pings` fail the monitor's rules: total loss always fails; partial loss
    fails above max_packet_loss_percent; the average round trip fails above
    max_response_time_ms."""
    lost = pings.sent - pings.received
    if pings.received == 0:
        why = f", last error: {pings.last_error}" if pings.last_error else ""
        return [f"no reply from {pings.address}: 100% packet loss ({lost} of {pings.sent}){why}"]
    failures: list[str] = []
    loss = 100 * lost / pings.sent
    limit = spec.max_packet_loss_percent
    if limit is not None and loss > limit:
        failures.append(
            f"{_percent(loss)}% packet loss ({lost} of {pings.sent}), above {_percent(limit)}%"
        )
    average, most = pings.average_ms, spec.max_response_time_ms
    if average is not None and most is not None and average > most:
        failures.append(f"average round trip {_ms(average)} ms, expected at most {most} ms")
    return failures


def _percent(value: float) -> str:
    """40.0 → "40", 33.333 → "33.3"."""
    return f"{value:.1f}".removesuffix(".0")


def _ms(value: float) -> str:
    # Sub-10 ms round trips (a LAN) keep a decimal; beyond that it is noise.
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


# --- dns: the expected values ------------------------------------------------------


def dns_mismatch(rdtype: str, expected: Sequence[str], actual: Sequence[str]) -> str | None:
    """Why the answer's values `actual` (in the form of :func:`dns_value`) do not contain
    every `expected` value, or None when they do.

    MX values may be expected as "10 mail.example.com" or as "mail.example.com" alone.
    TXT is compared exactly (only surrounding quotes and blanks dropped): it carries
    keys and tokens in which case matters, unlike names and addresses.
    """
    missing = [value for value in expected if not _found(rdtype, value, actual)]
    if not missing:
        return None
    shown = [_show(rdtype, value) for value in actual[:MAX_VALUES_SHOWN]]
    if len(actual) > MAX_VALUES_SHOWN:
        shown.append(f"and {len(actual) - MAX_VALUES_SHOWN} more")
    wanted = ", ".join(_show(rdtype, dns_value(rdtype, value)) for value in missing)
    return f"expected {wanted}, got {', '.join(shown)}"


def _found(rdtype: str, expected: str, actual: Sequence[str]) -> bool:
    wanted = dns_value(rdtype, expected)
    if rdtype == "MX" and " " not in wanted:  # the exchange host alone
        return any(value.split(" ", 1)[-1] == wanted for value in actual)
    return wanted in actual


def dns_value(rdtype: str, value: str) -> str:
    """A record value in the normal form values are compared in: A/AAAA canonical
    addresses, names lowercase without the trailing dot, MX "10 mail.example.com",
    TXT as written (without surrounding quotes)."""
    text = value.strip()
    if rdtype == "TXT":
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1]
        return text
    if rdtype in ("A", "AAAA"):
        try:
            return str(ipaddress.ip_address(text))  # "2001:DB8:0::1" is "2001:db8::1"
        except ValueError:
            return text.lower()
    if rdtype == "MX":
        preference, _, host = text.partition(" ")
        if host and preference.isdigit():
            return f"{int(preference)} {dns_name_value(host)}"
    return dns_name_value(text)


def dns_name_value(text: str) -> str:
    """A name in normal form: lowercase, no trailing dot, internationalized names in
    their xn-- form."""
    text = text.strip()
    # Not a valid name: compared as typed, so it simply will not match.
    with contextlib.suppress(dns.exception.DNSException):
        text = dns.name.from_text(text).to_text(omit_final_dot=True)
    return text.lower().rstrip(".")


def _show(rdtype: str, value: str) -> str:
    return quote(value) if rdtype == "TXT" else value[:100]
