"""The audit log's pure rules: who acted, which actions exist, and what of a change may be
written down (secrets masked).

An entry says who did what to which object in which organization, with the changed fields
as `{field: [old, new]}`. Secrets never reach it: a field whose name says it holds one
(passwords, tokens, header values, ping tokens…, and what the caller names: a
channel's URL) is written as `"***"`,
and so is every value of a `headers` mapping.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

ActorType = Literal["user", "token", "system"]
ACTOR_TYPES: tuple[ActorType, ...] = ("user", "token", "system")
MASK = "***"
MAX_VALUE_LENGTH = 500
# Kept for a year (retention/prune.py).
RETENTION_DAYS = 365

OBJECT_TYPES = (
    "monitor",
    "incident",
    "channel",
    "status_page",
    "maintenance_window",
    "member",
    "invitation",
    "api_token",
    "organization",
    "user",
)

# Field names whose values are secrets, matched as whole words of the name.
_SECRET_WORDS = re.compile(
    r"(^|_)(password|passwords|token|tokens|secret|secrets|headers|header|authorization|"
    r"api_key|key|hash|totp|cookie)(_|$)"
)
_ACTION = re.compile(r"^[a-z_]{1,40}\.[a-z_]{1,40}$")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it: a signed-in user (`id` the user's), an organization's API token (`id`
    the token's, `name` its name) or the system itself (config as code run by an
    operator, retention…)."""

    type: ActorType
    id: int | None
    name: str


SYSTEM = Actor("system", None, "system")


def is_secret(field: str) -> bool:
    """Whether a field's value is a secret by its name (`url`, `smtp_password`,
    `ping_token`, `headers`, `Authorization`…)."""
    return _SECRET_WORDS.search(field.lower().replace("-", "_")) is not None


def is_action(action: str) -> bool:
    """`object.verb`, lower case: `monitor.create`, `auth.sign_in_failed`."""
    return _ACTION.match(action) is not None


def plain(value: Any) -> Any:
    """A value as JSON can hold it: dates as ISO text, sets and tuples as lists, long
    text cut to MAX_VALUE_LENGTH characters."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, str) and len(value) > MAX_VALUE_LENGTH:
        return value[:MAX_VALUE_LENGTH] + "…"
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def without_password(url: str) -> str:
    """A URL with the password of its `user:password@` part masked."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:{MASK}@{host}"))


def masked(field: str, value: Any, secrets: Collection[str] = ()) -> Any:
    """The value as written down: "***" for a secret (by its name, or named in
    `secrets`; None stays None: that there is none is no secret), header mappings with
    their names but not their values, URLs without their password."""
    if value is None:
        return None
    if isinstance(value, Mapping) and "header" in field.lower():
        return {str(name): MASK for name in value}
    if field in secrets or is_secret(field):
        return MASK
    if isinstance(value, Mapping):
        return {str(k): masked(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked(field, v) for v in value]
    if isinstance(value, str) and "url" in field.lower() and "@" in value:
        return plain(without_password(value))
    return plain(value)


def changes_of(
    pairs: Mapping[str, tuple[Any, Any]], secrets: Collection[str] = ()
) -> dict[str, list[Any]]:
    """`{field: [old, new]}` for the fields whose value changed, secrets masked (a
    changed secret shows as ["***", "***"]: that it changed, not what it was).
    `secrets`: fields that are secret for this object (a channel's `url`)."""
    out: dict[str, list[Any]] = {}
    for field in sorted(pairs):
        old, new = pairs[field]
        if old == new:
            continue
        out[field] = [masked(field, old, secrets), masked(field, new, secrets)]
    return out


def created(values: Mapping[str, Any], secrets: Collection[str] = ()) -> dict[str, list[Any]]:
    """The fields of a new object as changes from nothing (None and empty values left out)."""
    kept = {k: (None, v) for k, v in values.items() if v is not None and v != [] and v != {}}
    return changes_of(kept, secrets)
