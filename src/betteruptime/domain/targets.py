"""What a monitor's URL looks like for each kind, and why one does not fit.

Pure: no I/O.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# The URL schemes each kind takes; a heartbeat has no URL.
SCHEMES: dict[str, tuple[str, ...]] = {
    "http": ("http", "https"),
    "keyword": ("http", "https"),
    "json": ("http", "https"),
    "tls": ("https",),
    "tcp": ("tcp",),
    "dns": ("dns",),
    "ping": ("icmp",),
    "heartbeat": (),
}
URL_EXAMPLES = {
    "http": "https://example.com/",
    "tls": "https://example.com/",
    "tcp": "tcp://db.example.com:5432",
    "dns": "dns://example.com",
    "ping": "icmp://example.com",
}
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.?)+$")


def url_problem(kind: str, url: str | None) -> str | None:
    """Why `url` does not fit a monitor of `kind`, or None when it does."""
    schemes = SCHEMES.get(kind, ())
    if not schemes:
        return None if url is None else f'a monitor of kind "{kind}" has no url'
    example = URL_EXAMPLES.get(kind, URL_EXAMPLES["http"])
    if url is None:
        return f'is required for a monitor of kind "{kind}", as in {example}'
    parts = urlsplit(url)
    if parts.scheme.lower() not in schemes:
        wanted = " or ".join(f"{scheme}://" for scheme in schemes)
        return f'must be a {wanted} URL for a monitor of kind "{kind}", as in {example}'
    if kind == "tcp" and parts.port is None:
        return f"must name the port to connect to, as in {example}"
    if kind in ("dns", "ping", "tcp") and (parts.path.strip("/") or parts.query):
        return f"takes a host only, as in {example}"
    if kind == "dns" and not _HOSTNAME.match(parts.hostname or ""):
        return "must name a valid DNS name, as in dns://example.com"
    return None
