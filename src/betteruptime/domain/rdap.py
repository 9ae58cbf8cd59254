"""Domain registrations as RDAP tells them: which domain of a host name is registered,
which RDAP server answers for it (the IANA bootstrap file, RFC 9224), and what its
answer says (RFC 9083: the `expiration` event, the registrar).

The registrable domain comes from the Public Suffix List as `publicsuffixlist` ships it
(its own snapshot, read once, never fetched): `www.example.co.uk` is registered as
`example.co.uk`, not `co.uk`. Only the list's ICANN section counts, since RDAP answers
for what registries delegate (`user.github.io` is `github.io` to a registry). A name
under a suffix the snapshot does not know yet (a new TLD) counts as under a TLD.

Pure: no I/O (the list is read from the installed package on first use).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from publicsuffixlist import PublicSuffixList


class RdapError(ValueError):
    """An RDAP document (bootstrap file or domain answer) that cannot be used; the
    message is worded for the user."""


@functools.cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList(only_icann=True)


def ascii_name(host: str) -> str | None:
    """`host` lowercase, in its xn-- form, without a trailing dot; None when it is an
    IP address or not a name (an empty label, a label too long to encode)."""
    name = host.strip().rstrip(".").lower()
    if not name or _is_ip(name):
        return None
    try:
        encoded = name.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return encoded.lower()


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def registrable_domain(host: str) -> str | None:
    """The domain under which `host` is registered (`www.example.co.uk`:
    `example.co.uk`), or None: an IP address, a public suffix itself (`co.uk`), a single
    label (`localhost`), or not a name at all."""
    name = ascii_name(host)
    if name is None or "." not in name or name.rsplit(".", 1)[1].isdigit():
        return None
    found = _suffixes().privatesuffix(name)
    return str(found) if found else None


# --- the bootstrap file -------------------------------------------------------------


def rdap_bases(bootstrap: Mapping[str, Any], domain: str) -> list[str]:
    """The RDAP base URLs (each ending in "/") the bootstrap file names for `domain`,
    https ones first; the longest matching entry wins (RFC 9224 § 4). Empty when no
    entry matches. RdapError when the file is not a bootstrap file."""
    services = bootstrap.get("services")
    if not isinstance(services, list):
        raise RdapError("the RDAP bootstrap file has no list of services")
    labels = domain.split(".")
    best: tuple[int, list[str]] = (0, [])
    for service in services:
        entries, urls = _service(service)
        for entry in entries:
            size = len(entry.split("."))
            if size > best[0] and labels[-size:] == entry.split("."):
                best = (size, urls)
    return sorted(best[1], key=lambda url: not url.startswith("https://"))


def _service(service: Any) -> tuple[list[str], list[str]]:
    if not (isinstance(service, list) and len(service) >= 2):
        return [], []
    entries, urls = service[0], service[1]
    if not (isinstance(entries, list) and isinstance(urls, list)):
        return [], []
    names = [entry.strip(".").lower() for entry in entries if isinstance(entry, str)]
    bases = [
        url if url.endswith("/") else url + "/"
        for url in urls
        if isinstance(url, str) and url.lower().startswith(("https://", "http://"))
    ]
    return names, bases


def domain_query_url(base: str, domain: str) -> str:
    """Where a server at `base` (ending in "/") answers for `domain` (RFC 9082)."""
    return f"{base}domain/{domain}"


# --- a domain's answer --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Registration:
    """What the registry's RDAP server says about one domain."""

    domain: str
    expires_at: datetime
    registrar: str | None
    rdap_url: str


def parse_domain_answer(answer: Any, *, domain: str, rdap_url: str) -> Registration:
    """The expiration date (the `events` entry with eventAction "expiration") and the
    registrar (the entity with role "registrar": its vCard's fn) of an RDAP domain
    answer; RdapError when it has no usable expiration date."""
    if not isinstance(answer, dict):
        raise RdapError(f"the RDAP answer for {domain} is not a JSON object")
    expires = _expiration(answer.get("events"))
    if expires is None:
        raise RdapError(f"the RDAP answer for {domain} has no expiration date")
    return Registration(
        domain=domain,
        expires_at=expires,
        registrar=_registrar(answer.get("entities")),
        rdap_url=rdap_url,
    )


def _expiration(events: Any) -> datetime | None:
    for event in events if isinstance(events, list) else []:
        if isinstance(event, dict) and event.get("eventAction") == "expiration":
            return _instant(event.get("eventDate"))
    return None


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    # RFC 3339 requires an offset; an answer without one is read as UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _registrar(entities: Any) -> str | None:
    for entity in entities if isinstance(entities, list) else []:
        if not isinstance(entity, dict):
            continue
        roles = entity.get("roles")
        if isinstance(roles, list) and "registrar" in roles:
            return _vcard_name(entity.get("vcardArray"))
    return None


def _vcard_name(vcard: Any) -> str | None:
    """The `fn` (formatted name) of a jCard (RFC 7095): ["vcard", [[name, {}, type, value]…]]."""
    if not (isinstance(vcard, list) and len(vcard) == 2 and isinstance(vcard[1], list)):
        return None
    for item in vcard[1]:
        if isinstance(item, list) and len(item) >= 4 and item[0] == "fn":
            value = item[3]
            if isinstance(value, str) and value.strip():
                return value.strip()[:200]
    return None
