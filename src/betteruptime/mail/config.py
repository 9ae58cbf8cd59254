"""BETTERUPTIME_SMTP_URL: the server the product's own mail goes through.

    smtp://user:pass@mail.example.com:587?starttls=true   STARTTLS, then a login
    smtps://user:pass@mail.example.com:465                TLS from the first byte
    smtp://relay.internal:25                              plain, no login

- `smtp://` defaults to port 25, `smtps://` to 465.
- `starttls=true|false` (smtp:// only): upgrade the connection before anything else is
  said. Default: true when the URL has a login, so a password never crosses the network
  in the clear unless `starttls=false` says so (a relay on the same host may want it);
  false without one. With STARTTLS or smtps:// the server's certificate is verified
  against the system's trust store (which honours SSL_CERT_FILE).
- `timeout=<seconds>` (default 30, at most 600): how long each network step (connect,
  each reply) may take before the send fails, to be retried.
- A user name or password holding `@ : / ? #` is percent-encoded (`p%40ss`).

Refusals never quote the URL or a piece of it: a piece may be part of the password.
Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from betteruptime.domain.url_grammar import CONTROL

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
DEFAULT_TIMEOUT_SECONDS = 30.0
MAX_TIMEOUT_SECONDS = 600.0
EXAMPLE = "smtp://user:pass@mail.example.com:587?starttls=true"
BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

_BLANK_OR_CONTROL = re.compile(rf"[\s{CONTROL}]")


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    implicit_tls: bool = False  # smtps://
    starttls: bool = False
    username: str | None = None
    # Never in repr(), logs or errors: describe() leaves it out.
    password: str | None = field(default=None, repr=False)
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @property
    def security(self) -> str:
        if self.implicit_tls:
            return "tls"
        return "starttls" if self.starttls else "none"

    def describe(self) -> str:
        """The server for logs and errors, without the password:
        `smtp://user@mail.example.com:587`."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{user}{host}:{self.port}"


def _flag(value: str, name: str) -> bool:
    flag = BOOLEANS.get(value.lower())
    if flag is None:
        raise ValueError(f"{name}= must be true or false")
    return flag


def _timeout(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= MAX_TIMEOUT_SECONDS:  # NaN fails this too
        raise ValueError("timeout= must be a number of seconds above 0, at most 600")
    return seconds


def _options(query: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name not in ("starttls", "timeout"):
            # Not quoted: a `?` in an unencoded password puts its rest in the query.
            raise ValueError("has an unknown ?option; the options are starttls= and timeout=")
        if name in options:
            raise ValueError(f"gives {name}= twice")
        options[name] = value
    return options


def parse_smtp_url(url: str) -> SmtpConfig:
    """The SMTP server `url` names, or ValueError saying what is wrong (without quoting
    the URL)."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"must start with smtp:// or smtps://, like {EXAMPLE}")
    if _BLANK_OR_CONTROL.search(url):
        raise ValueError("may not contain spaces or control characters")
    parts = urlsplit(url)
    encode_hint = "(percent-encode @ : / ? # in the user name and password: p%40ss)"
    try:
        port = parts.port
    except ValueError:  # not a number, or past 65535
        port = 0
    if port == 0:
        raise ValueError(f"has a port that is not a number from 1 to 65535 {encode_hint}")
    if not parts.hostname:
        raise ValueError(f"needs a server name, like {EXAMPLE}")
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError(f"may not have a path or a #fragment {encode_hint}")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    if bool(username) != bool(password):
        raise ValueError("needs both a user name and a password to log in, or neither")
    options = _options(parts.query)
    starttls = bool(username) and scheme == "smtp"
    if "starttls" in options:
        if scheme == "smtps":
            raise ValueError("starttls= is for smtp:// only; smtps:// is TLS from the start")
        starttls = _flag(options["starttls"], "starttls")
    timeout = _timeout(options["timeout"]) if "timeout" in options else DEFAULT_TIMEOUT_SECONDS
    return SmtpConfig(
        host=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        implicit_tls=scheme == "smtps",
        starttls=starttls,
        username=username,
        password=password,
        timeout_seconds=timeout,
    )
