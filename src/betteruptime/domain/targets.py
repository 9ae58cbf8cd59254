"""What a monitor's URL looks like for each kind, why one does not fit, and what a probe
connects to.

One parse (:func:`split_target`) serves the checks made when a monitor is saved and the
probes that run it, so what is accepted is what can be checked; a DNS resolver's
"IP[:port]" likewise has one parse (:func:`resolver_address`).

Pure: no I/O.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from betteruptime.domain.rdap import registrable_domain
from betteruptime.domain.url_grammar import HOST_ONLY, matches

# The URL schemes each kind takes; a heartbeat has no URL.
SCHEMES: dict[str, tuple[str, ...]] = {
    "http": ("http", "https"),
    "keyword": ("http", "https"),
    "json": ("http", "https"),
    "tls": ("https",),
    "domain": ("domain",),
    "tcp": ("tcp",),
    "dns": ("dns",),
    "ping": ("icmp",),
    "heartbeat": (),
    # Each step has its own URL (http or https).
    "multistep": (),
    "browser": ("http", "https"),
}
URL_EXAMPLES = {
    "http": "https://example.com/",
    "tls": "https://example.com/",
    "domain": "domain://example.com",
    "tcp": "tcp://db.example.com:5432",
    "dns": "dns://example.com",
    "ping": "icmp://example.com",
}
# How each probed kind's URL is written, for the probe's "invalid URL" message.
TARGET_FORMS = {
    "tcp": "tcp://host:port",
    "tls": "https://host[:port]",
    "domain": "domain://name",
    "dns": "dns://name",
    "ping": "icmp://host",
}
DEFAULT_PORTS = {"tls": 443}
DNS_PORT = 53
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.?)+$")


class TargetError(ValueError):
    """A monitor's URL or resolver cannot be checked; the message is worded for the user."""


@dataclass(frozen=True, slots=True)
class TargetUrl:
    """A monitor URL split into the parts checks use."""

    scheme: str  # lowercase
    host: str | None  # lowercase; an IPv6 address without its brackets
    port: int | None
    port_valid: bool  # False: a port that is not a number, or out of range
    path: str
    query: str


def split_target(url: str) -> TargetUrl:
    """`url` in parts. A bad port reads as no port with `port_valid` False; a URL that
    cannot be split at all (a malformed IPv6 literal) raises ValueError."""
    parts = urlsplit(url)
    try:
        port, port_valid = parts.port, True
    except ValueError:
        port, port_valid = None, False
    return TargetUrl(
        scheme=parts.scheme.lower(),
        host=parts.hostname,
        port=port,
        port_valid=port_valid,
        path=parts.path,
        query=parts.query,
    )


def target_host(kind: str, url: str) -> str:
    """The host a `dns`, `ping`, `tcp` or `tls` probe checks; TargetError when `url`
    is not of the kind's form (see TARGET_FORMS)."""
    return _probed(kind, url)[0]


def target_address(kind: str, url: str) -> tuple[str, int]:
    """(host, port) a `tcp` or `tls` probe connects to: the URL's port, else the kind's
    default (443 for tls); TargetError when `url` is not of the kind's form."""
    host, port = _probed(kind, url)
    if port is None:
        raise TargetError(f"invalid URL, expected {TARGET_FORMS[kind]}")
    return host, port


def _probed(kind: str, url: str) -> tuple[str, int | None]:
    invalid = TargetError(f"invalid URL, expected {TARGET_FORMS[kind]}")
    try:
        target = split_target(url)
    except ValueError:
        raise invalid from None
    if target.scheme not in SCHEMES[kind] or not target.host:
        raise invalid
    if kind not in ("tcp", "tls"):  # only the kinds that connect to a port look at it
        return target.host, None
    if not target.port_valid:
        raise invalid
    return target.host, target.port if target.port is not None else DEFAULT_PORTS.get(kind)


def has_certificate(url: str) -> bool:
    """Whether the server of `url` presents a certificate to check (https://)."""
    return url.lower().startswith("https://")


def has_registrable_domain(url: str) -> bool:
    """Whether the host of `url` is a registered domain or a name under one (not an IP
    address, a public suffix or a single-label name): what a domain expiry check needs."""
    try:
        host = split_target(url).host
    except ValueError:
        return False
    return host is not None and registrable_domain(host) is not None


def watched_domain(url: str | None) -> str | None:
    """The registrable domain of the URL's host: what a domain expiry check of the
    monitor looks up (a `domain://` or an http(s) URL alike), or None."""
    try:
        host = split_target(url or "").host
    except ValueError:
        return None
    return registrable_domain(host) if host else None


def resolver_address(value: str) -> tuple[str, int]:
    """(IP, port) of a DNS resolver given as "IP", "IP:port", "[v6]:port" or a bare IPv6
    address; port 53 unless given. TargetError saying what is wrong otherwise."""
    host, port = value, None
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest.removeprefix(":") or None
    elif value.count(":") == 1:
        host, port = value.split(":")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise TargetError("must be an IP address, optionally with :port") from None
    if port is None:
        return host, DNS_PORT
    if not (port.isdigit() and 0 < int(port) < 65536):
        raise TargetError("has an invalid port number")
    return host, int(port)


def url_problem(kind: str, url: str | None) -> str | None:
    """Why `url` does not fit a monitor of `kind`, or None when it does."""
    schemes = SCHEMES.get(kind, ())
    if not schemes:
        return None if url is None else f'a monitor of kind "{kind}" has no url'
    example = URL_EXAMPLES.get(kind, URL_EXAMPLES["http"])
    if url is None:
        return f'is required for a monitor of kind "{kind}", as in {example}'
    target = split_target(url)
    if target.scheme not in schemes:
        wanted = " or ".join(f"{scheme}://" for scheme in schemes)
        return f'must be a {wanted} URL for a monitor of kind "{kind}", as in {example}'
    if not target.port_valid:
        return "has an invalid port number"
    if kind == "tcp" and target.port is None:
        return f"must name the port to connect to, as in {example}"
    if kind in ("dns", "ping", "tcp", "domain") and (target.path.strip("/") or target.query):
        return f"takes a host only, as in {example}"
    if kind == "dns" and not _HOSTNAME.match(target.host or ""):
        return "must name a valid DNS name, as in dns://example.com"
    if kind == "domain" and registrable_domain(target.host or "") is None:
        return (
            "must name a registered domain (or a name under one), not an IP address, "
            f"a public suffix such as co.uk or a local name, as in {example}"
        )
    if kind in HOST_ONLY and not matches(HOST_ONLY[kind], url):
        # What is left: a user name, a fragment, several slashes, a port for dns or ping.
        return f"takes a host only, as in {example}"
    return None
