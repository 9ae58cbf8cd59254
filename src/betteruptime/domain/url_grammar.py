"""What a monitor's URL and a DNS resolver's address are, as regular expressions.

The server validates with these and the OpenAPI document publishes the same strings as
`pattern`s, so what one accepts the other does. They are written in the syntax Python's
`re` and ECMA-262 (JSON Schema's) share: classes, `(?:...)` groups and counted repeats,
no lookarounds. A URL of a kind is checked twice, as JSON Schema does: against
url_pattern (the whole grammar), then against the kind's shorter shape (HOST_ONLY,
scheme_pattern), so the long IPv6 grammar is stated once.

Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata

# Control characters (Unicode Cc), and what str.strip() and `\\s` take as whitespace.
CONTROL = r"\u0000-\u001f\u007f-\u009f"
WHITESPACE = "".join(f"\\u{code:04x}" for code in range(0x10000) if chr(code).isspace())
# Whitespace that is not a control character (what may surround a line that is read
# without control characters, then stripped).
SPACE = "".join(
    f"\\u{code:04x}"
    for code in range(0x10000)
    if chr(code).isspace() and not (code < 0x20 or 0x7F <= code <= 0x9F)
)
# Characters urllib refuses in a host or user name: NFKC turns them into a delimiter
# (U+FF0F fullwidth solidus into "/", U+2100 into "a/c").
NETLOC_UNSAFE = "".join(
    f"\\u{code:04x}"
    for code in range(0x80, 0x10000)
    if any(d in unicodedata.normalize("NFKC", chr(code)) for d in "/?#@:")
    and unicodedata.normalize("NFKC", chr(code)) != chr(code)
)

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_GROUP = r"[0-9A-Fa-f]{1,4}"


def _ipv6() -> str:
    """Every spelling ipaddress.IPv6Address takes, scope ids aside: 8 groups, or 6 and
    an IPv4 address, with at most one run of one or more zero groups written `::`."""

    def groups(count: int) -> str:  # `count` groups, colon-separated
        return rf"(?:{_GROUP}:){{{count - 1}}}{_GROUP}" if count else ""

    def up_to(count: int) -> str:  # 0 to `count` groups
        return rf"(?:(?:{_GROUP}:){{0,{count - 1}}}{_GROUP})?" if count else ""

    forms = [groups(8), rf"(?:{_GROUP}:){{6}}{IPV4}"]
    forms += [rf"{groups(left)}::{up_to(7 - left)}" for left in range(8)]
    forms += [rf"{groups(left)}::(?:{_GROUP}:){{0,{5 - left}}}{IPV4}" for left in range(6)]
    return "(?:" + "|".join(forms) + ")"


IPV6 = _ipv6()
# A port as urllib reads it: ASCII digits, leading zeros allowed, 0 to 65535.
PORT = r"0*(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
PORT_FROM_1 = (
    r"0*(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
)
# A host as urllib splits it out: a name (anything but the URL's delimiters, spaces and
# control characters) or an IPv6 address in brackets.
HOST = rf"(?:[^{WHITESPACE}{CONTROL}{NETLOC_UNSAFE}/?#@:\[\]\\]+|\[{IPV6}\])"
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?"
DNS_NAME = rf"{_LABEL}(?:\.{_LABEL})*\.?"
# A name under a top-level domain: two labels at least, the last one starting with a
# letter (no TLD is numeric, so an IPv4 address is not one).
_TLD = r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
DOMAIN_NAME = rf"(?:{_LABEL}\.)+{_TLD}\.?"
MAX_DNS_NAME = 253
_REST = rf"[^{WHITESPACE}{CONTROL}]*"


def _ci(word: str) -> str:
    """`word` in any letter case, without a flag ECMA-262 patterns lack."""
    return "".join(f"[{c.upper()}{c}]" for c in word)


def _scheme(*schemes: str) -> str:
    return "(?:" + "|".join(_ci(s) for s in schemes) + ")"


def _whole(core: str) -> str:
    return rf"^{core}$"


def url_pattern(*schemes: str) -> str:
    """Any URL of these schemes: optional user info, a host, an optional port, then a
    path, query or fragment."""
    # No bracket: urllib reads the text between brackets anywhere in the netloc as an
    # IPv6 address, and refuses one alone.
    userinfo = rf"(?:[^{WHITESPACE}{CONTROL}{NETLOC_UNSAFE}/?#@\[\]]*@)?"
    return _whole(rf"{_scheme(*schemes)}://{userinfo}{HOST}(?::{PORT})?(?:[/?#]{_REST})?")


def scheme_pattern(*schemes: str) -> str:
    """A URL starting with one of these schemes (the rest is url_pattern's)."""
    return rf"^{_scheme(*schemes)}://"


# Host and port as they begin a URL that url_pattern already took: no user info here.
_BARE_HOST = r"(?:[^/?#@:\[\]]+|\[[^/?#@\]]*\])"
# What a URL of each kind that has a host only looks like beyond url_pattern: nothing
# after the host (and the port tcp needs) but one slash; for dns, a DNS name.
HOST_ONLY = {
    "tcp": _whole(rf"{_scheme('tcp')}://{_BARE_HOST}:[0-9]+/?"),
    "dns": _whole(rf"{_scheme('dns')}://{DNS_NAME}"),
    "ping": _whole(rf"{_scheme('icmp')}://{_BARE_HOST}/?"),
    "domain": _whole(rf"{_scheme('domain')}://{DOMAIN_NAME}/?"),
}
# A DNS resolver: IPv4 or IPv6 address, with a port (1-65535) after a colon (IPv6 in
# brackets then).
RESOLVER = rf"^(?:{IPV4}(?::{PORT_FROM_1})?|\[{IPV6}\](?::{PORT_FROM_1})?|{IPV6})$"


def matches(pattern: str, value: str) -> bool:
    return _compiled(pattern).search(value) is not None


_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    found = _CACHE.get(pattern)
    if found is None:
        # `$` only at the very end, as in ECMA-262 (Python's also before a final "\n").
        found = _CACHE[pattern] = re.compile(pattern.removesuffix("$") + r"\Z")
    return found
