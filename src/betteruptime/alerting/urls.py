"""Apprise channel URLs: checked with Apprise's own parser, and masked for display.

A channel URL is a secret: tokens, keys and passwords sit in its user info, host, path
and query. `mask_url` is what the API returns and what logs may carry. Its rule is
deliberately blunt, so it holds for services it has never heard of:

- webhook and e-mail URLs (`json://`, `xml://`, `form://`, `mailto://` and their `s`
  forms) keep the host, which names a server, not a secret;
- every path segment keeps only its first two characters (webhook paths carry tokens
  too: `/services/T0***/B0***/Xy***`), and so does every part of the host of every
  other service, which is token-style (`slack://To***/To***/To***/#c***`);
- a password in the user info is always masked, and so is the value of every query
  parameter whose name looks like a secret (token, key, secret, password, auth, …).

Both functions are pure: no I/O and nothing logged here.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from apprise import Apprise, AppriseAsset
from apprise.manager_plugins import NotificationManager

MASK = "***"
MAX_URL_LENGTH = 4096
KEEP_CHARS = 2
# Schemes whose host and path name a server (a webhook receiver, a mail provider).
ADDRESS_SCHEMES = frozenset({"json", "jsons", "xml", "xmls", "form", "forms", "mailto", "mailtos"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
_SECRET_PARAM = re.compile(
    r"token|key|secret|pass|pwd|auth|sid|sig|credential|bearer|cookie|session|code|hook"
    r"|user|login|priv",
    re.IGNORECASE,
)


def _scheme(url: str) -> str | None:
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


def validate_apprise_url(url: str) -> str:
    """`url` stripped, if Apprise can build a notification service from it.

    Raises ValueError with a message that names the problem but never repeats the URL
    (it would put the secrets into the response and the logs).
    """
    url = url.strip()
    if not url:
        raise ValueError("must be an Apprise URL such as json://example.com/hook")
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"an Apprise URL has at most {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValueError("an Apprise URL may not contain spaces or control characters")
    scheme = _scheme(url)
    if scheme is None:
        raise ValueError(
            "must be an Apprise URL of the form service://…, such as "
            "mailto://user:pass@example.com or slack://TokenA/TokenB/TokenC"
        )
    # The plugin registry is a singleton; its constructor is untyped in Apprise.
    if scheme not in NotificationManager():  # type: ignore[no-untyped-call]
        raise ValueError(f'"{scheme[:20]}://" is not a notification service Apprise knows')
    # Apprise masks secrets in what it logs itself (secure_logging), which is the default.
    service = Apprise.instantiate(
        url, asset=AppriseAsset(secure_logging=True), suppress_exceptions=True
    )
    if service is None:
        raise ValueError(
            f"Apprise cannot use this {scheme}:// URL: a required part is missing or "
            "invalid (see the Apprise documentation for the form of this service's URL)"
        )
    return url


def _keep_start(part: str) -> str:
    return part[:KEEP_CHARS] + MASK if part else part


def _mask_netloc(netloc: str, *, address: bool) -> str:
    userinfo, has_userinfo, host = netloc.rpartition("@")
    if not address:
        host = ":".join(_keep_start(part) for part in host.split(":"))
    if not has_userinfo:
        return host
    user, has_password, _ = userinfo.partition(":")
    user = user if address else _keep_start(user)
    return f"{user}:{MASK}@{host}" if has_password else f"{user}@{host}"


def _mask_param(param: str) -> str:
    # Raw text, not decoded: `+Authorization` (an Apprise header) must keep its `+`.
    name, has_value, value = param.partition("=")
    if has_value and value and _SECRET_PARAM.search(unquote(name)):
        return f"{name}={MASK}"
    return param


def _mask_query(query: str) -> str:
    return "&".join(_mask_param(param) for param in query.split("&"))


def mask_url(url: str) -> str:
    """`url` with every secret replaced by `***`; safe to show and to log."""
    url = url.strip()
    scheme = _scheme(url)
    if scheme is None:
        return MASK
    rest = url[len(scheme) + 3 :]
    rest, has_query, query = rest.partition("?")
    netloc, slash, path = rest.partition("/")
    address = scheme in ADDRESS_SCHEMES
    path = "/".join(_keep_start(segment) for segment in path.split("/"))
    masked = f"{scheme}://{_mask_netloc(netloc, address=address)}{slash}{path}"
    if has_query:
        masked += f"?{_mask_query(query)}"
    return masked
