"""What an e-mail address and a sender are, checked before either reaches a header.

A header line ends at CR or LF: a value holding one could add headers of its own (a
`Bcc:`), which is header injection. Every value bound for a header passes here and is
refused, never cleaned, when it holds a line break or another control character: a name
or an address with one was never meant.

An address is `local@domain` with an ASCII local part (no SMTPUTF8); a non-ASCII domain
is written in its IDNA form. The domain may be one label, like `localhost`: a sender on
the host's own relay. A sender may carry a display name: `BetterUptime <up@example.com>`.
Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address

from betteruptime.domain.url_grammar import CONTROL

MAX_ADDRESS_LENGTH = 254  # RFC 5321's limit on a path, less its angle brackets
MAX_NAME_LENGTH = 100
ADDRESS_HINT = "must be an e-mail address like name@example.com"

_CONTROL = re.compile(f"[{CONTROL}]")
_QUOTED_PAIR = re.compile(r"\\(.)")


class MailInputError(ValueError):
    """An address, a name or a header value that cannot be sent; the message says why."""


def refuse_control(value: str, what: str) -> None:
    """MailInputError naming `what` if `value` holds a line break or a control character."""
    if "\r" in value or "\n" in value:
        raise MailInputError(f"{what} may not contain line breaks (CR or LF)")
    if _CONTROL.search(value):
        raise MailInputError(f"{what} may not contain control characters")


def check_address(value: str) -> str:
    """`value` as an address to send to or from (its domain in IDNA form), or
    MailInputError."""
    refuse_control(value, "an e-mail address")
    local, at, domain = value.strip().rpartition("@")
    if not at or not local or not domain or len(value) > MAX_ADDRESS_LENGTH:
        raise MailInputError(ADDRESS_HINT)
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
        # The email package's own grammar (dot-atom or quoted local part, a valid
        # domain); its errors differ by what is wrong, all mean "not an address".
        return Address(addr_spec=f"{local}@{ascii_domain}").addr_spec
    except (UnicodeError, ValueError, IndexError, HeaderParseError):
        raise MailInputError(ADDRESS_HINT) from None


@dataclass(frozen=True, slots=True)
class Mailbox:
    """An address with an optional display name, as in a From header."""

    address: str
    name: str = ""

    def __str__(self) -> str:
        # Address quotes a name that needs it ("Uptime, Inc." <up@example.com>).
        return str(Address(display_name=self.name, addr_spec=self.address))

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


def parse_mailbox(value: str) -> Mailbox:
    """`name@example.com` or `Some Name <name@example.com>` (the name may be quoted),
    or MailInputError."""
    value = value.strip()
    refuse_control(value, "the sender")
    name, address = "", value
    if value.endswith(">") and "<" in value:
        name, _, bracketed = value.rpartition("<")
        name, address = name.strip(), bracketed[:-1]
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = _QUOTED_PAIR.sub(r"\1", name[1:-1])
    if len(name) > MAX_NAME_LENGTH:
        raise MailInputError(f"the sender's name has at most {MAX_NAME_LENGTH} characters")
    return Mailbox(check_address(address), name)
