"""Field types of the monitor kinds beyond HTTP: TCP, DNS, ping, TLS, domain and heartbeat.

The per-field rules live in the types; which fields a kind needs, and whether the URL's
scheme fits the kind, need the whole monitor and are checked in `domain.monitor_kinds`.
"""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, Field, WithJsonSchema

from betteruptime.domain.heartbeats import cron_problem
from betteruptime.domain.targets import resolver_address
from betteruptime.domain.url_grammar import RESOLVER, matches
from betteruptime.schemas.text import LINE, TEXT, pattern

DnsRecordType = Literal["A", "AAAA", "CNAME", "MX", "TXT", "NS"]
MAX_TCP_BYTES = 4096
MAX_PERIOD_SECONDS = 31 * 86400
# The IANA names this system knows (tzdata), as the API lists them.
TIME_ZONES = frozenset(available_timezones())


def _resolver(value: str) -> str:
    """An IP address, optionally with a port: `1.1.1.1`, `1.1.1.1:5353`, `[::1]:53`."""
    resolver_address(value)  # the DNS probe's own parse: what it accepts, it can query
    if not matches(RESOLVER, value):
        # What ipaddress takes beyond the published pattern (a scope id, digits of other
        # scripts) is not kept.
        raise ValueError("must be an IP address, optionally with :port")
    return value


def _timezone(value: str) -> str:
    if value not in TIME_ZONES:
        raise ValueError(f'"{value[:64]}" is not a known time zone (such as Europe/Paris)')
    return value


def _cron(value: str) -> str:
    problem = cron_problem(value)
    if problem:
        raise ValueError(problem)
    return value


TcpBytes = Annotated[
    str,
    Field(min_length=1, max_length=MAX_TCP_BYTES, description="Text, sent or expected as UTF-8."),
    TEXT,
]
DnsResolver = Annotated[
    str,
    Field(max_length=255, description="A resolver's IP[:port]; default: the system's."),
    AfterValidator(_resolver),
    pattern(RESOLVER),
]
ExpectedValues = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=1000), TEXT]],
    Field(
        max_length=50,
        description="dns: values the answer must contain (all of them); empty: any answer.",
    ),
]
PingCount = Annotated[int, Field(ge=1, le=20, description="Packets sent per check.")]
PacketLoss = Annotated[
    float,
    Field(
        ge=0,
        lt=100,
        allow_inf_nan=False,
        description="ping: the loss (%) above which a check fails; default: only when every "
        "packet is lost. Round trips are held to max_response_time_ms.",
    ),
]
TlsExpiryDays = Annotated[
    int,
    Field(
        ge=1,
        le=365,
        description="Fail when the certificate expires within this many days. Default 14 "
        "for kind tls; on an https monitor of another kind, null leaves it unchecked.",
    ),
]
DomainExpiryDays = Annotated[
    int,
    Field(
        ge=1,
        le=365,
        description="Fail when the registrable domain of the URL's host expires within "
        "this many days (read from the registry over RDAP, at most every 12 hours). "
        "Default 14 for kind domain; on an http, keyword or json monitor, null leaves it "
        "unchecked, and a value needs a URL whose host is a name under a registered domain "
        "(not an IP address, a public suffix or a single label such as localhost).",
    ),
]
DegradedAfter = Annotated[
    int,
    Field(
        ge=1,
        le=600_000,
        description="A response slower than this (ms) but otherwise fine marks the "
        "monitor degraded, which is shown apart from down.",
    ),
]
PeriodSeconds = Annotated[
    int,
    Field(ge=10, le=MAX_PERIOD_SECONDS, description="heartbeat: a ping is expected this often."),
]
GraceSeconds = Annotated[
    int,
    Field(ge=0, le=MAX_PERIOD_SECONDS, description="heartbeat: how late a ping may be."),
]
Cron = Annotated[
    str,
    Field(
        min_length=9,
        max_length=100,
        description='heartbeat: a cron expression ("0 3 * * *") instead of a period.',
    ),
    LINE,
    AfterValidator(_cron),
]
TimeZone = Annotated[
    str,
    Field(max_length=64),
    AfterValidator(_timezone),
    WithJsonSchema({"type": "string", "enum": sorted(TIME_ZONES)}),
]
