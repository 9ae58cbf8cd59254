"""The SSRF guard for notifications: Apprise's HTTP requests connect only to addresses
the target policy allows, judged on the address actually connected to.

Apprise sends through `requests`, which connects through urllib3's
`util.connection.create_connection`. That function is wrapped once: inside `guarded()`
it resolves the host itself, refuses the whole connection if any address is refused
(a name that also resolves to the metadata service is not to be trusted), and connects
to the vetted address, so a second DNS answer cannot swap it (DNS rebinding). TLS still
verifies the original host name. Outside `guarded()` nothing changes.

The policy travels in a context variable, which Apprise copies into its worker threads.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import urllib3.util.connection as urllib3_connection

from betteruptime.domain.addresses import TargetPolicy, refusal

_policy: ContextVar[TargetPolicy | None] = ContextVar("notification_target_policy", default=None)
# Why connections were refused, for the delivery's error text (Apprise does not log it).
_refusals: ContextVar[list[str] | None] = ContextVar("notification_refusals", default=None)
_original = urllib3_connection.create_connection


def _guarded_create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
    policy = _policy.get()
    if policy is None:
        return _original(address, *args, **kwargs)
    host, port = address
    host = host.strip("[]")
    resolved = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in resolved))
    for ip in addresses:
        reason = refusal(ip, policy)
        if reason is not None:
            message = f"refused to connect to {host}: {reason}"
            refusals = _refusals.get()
            if refusals is not None:
                refusals.append(message)
            raise OSError(message)
    return _original((addresses[0], port), *args, **kwargs)


urllib3_connection.create_connection = _guarded_create_connection


@contextmanager
def guarded(policy: TargetPolicy) -> Iterator[list[str]]:
    """Apply `policy` to every HTTP connection made in this context; yields the list the
    reasons for refused connections are added to."""
    refusals: list[str] = []
    policy_token, refusals_token = _policy.set(policy), _refusals.set(refusals)
    try:
        yield refusals
    finally:
        _policy.reset(policy_token)
        _refusals.reset(refusals_token)
