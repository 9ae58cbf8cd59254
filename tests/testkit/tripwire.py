"""Which destinations code tried to reach, seen by the interpreter itself: a Python audit
hook records every `socket.connect` (and `connect_ex`), `sendto` and `sendmsg` to an IP
address, whoever makes it, at the moment the call reaches the operating system.

While watching, an attempt to reach a link-local address (the cloud metadata service) is
recorded and stopped there, so a test that fails never talks to the real one, nor waits
for it. Audit hooks cannot be removed: the hook is added once and does nothing while no
test watches.
"""

from __future__ import annotations

import ipaddress
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_EVENTS = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg"})
_lock = threading.Lock()
_watching: list[tuple[str, int]] | None = None
_installed = False


class Attempts:
    def __init__(self, seen: list[tuple[str, int]]) -> None:
        self._seen = seen

    def matching(
        self, *, host: str | None = None, port: int | None = None
    ) -> list[tuple[str, int]]:
        """The (host, port) attempts to this host and/or port, in order."""
        with _lock:
            return [(h, p) for h, p in self._seen if host in (None, h) and port in (None, p)]


def _hook(event: str, args: tuple[Any, ...]) -> None:
    watching = _watching
    if watching is None or event not in _EVENTS:
        return
    address = args[1]
    if not isinstance(address, tuple) or len(address) < 2:
        return  # a Unix socket
    host, port = str(address[0]), int(address[1])
    with _lock:
        watching.append((host, port))
    try:
        link_local = ipaddress.ip_address(host.split("%", 1)[0]).is_link_local
    except ValueError:
        return
    if link_local:
        raise OSError(f"tripwire: an attempt to reach {host}:{port} was stopped")


@contextmanager
def socket_attempts() -> Iterator[Attempts]:
    """Record, for the duration, every attempt to reach an IP address (from any thread)."""
    global _watching, _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
    seen: list[tuple[str, int]] = []
    _watching = seen
    try:
        yield Attempts(seen)
    finally:
        _watching = None
