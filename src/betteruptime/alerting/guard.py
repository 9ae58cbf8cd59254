"""The SSRF guard for notifications: while a message is sent, every socket an Apprise plugin
uses connects or sends only to addresses the target policy allows, judged on the address
actually used.

Apprise reaches the network in many ways: requests/urllib3 and its own pinned HTTP
sessions, smtplib through `socket.create_connection`, rsyslog's UDP `sendto`, IRC's and
Nostr's socket transport, paho-mqtt, asyncio loops (XMPP). They all end in
`socket.getaddrinfo` and in four methods of `socket.socket`: `connect`, `connect_ex`,
`sendto` and `sendmsg`. Those are wrapped once, when this module is imported; inside
`guarded()`:

- a name is resolved here and the whole destination is refused if any of its addresses is
  (a name that also resolves to the metadata service is not to be trusted);
- `connect` or `sendto` to a name uses the vetted address itself, so a second DNS answer
  cannot swap it (DNS rebinding); TLS still verifies the original name, which callers
  hand to the TLS layer themselves;
- a refusal raises `TargetRefused` (EACCES, as a firewall would) before any packet leaves,
  and its reason is added to the list `guarded()` yields, for the delivery's error.

Outside `guarded()` each wrapper costs one context variable lookup and changes nothing:
the probes and every other thread run as before. Only IP sockets are judged (a Unix socket
is not a network destination).

The policy travels in a context variable, which Apprise copies into its worker threads.
A thread started inside `guarded()` (XMPP's runner, paho-mqtt's network loop) inherits it
too: Python 3.11 starts threads with an empty context, which would let them out.
"""

from __future__ import annotations

import errno
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NoReturn

from betteruptime.domain.addresses import TargetPolicy, refusal

_policy: ContextVar[TargetPolicy | None] = ContextVar("notification_target_policy", default=None)
# Why connections were refused, for the delivery's error text (Apprise does not log it).
_refusals: ContextVar[list[str] | None] = ContextVar("notification_refusals", default=None)

_INET = frozenset({socket.AF_INET, socket.AF_INET6})
# The originals, called by the wrappers (typed loosely: they are called as they were).
_getaddrinfo: Callable[..., list[Any]] = socket.getaddrinfo
_connect: Callable[..., None] = socket.socket.connect
_connect_ex: Callable[..., int] = socket.socket.connect_ex
_sendto: Callable[..., int] = socket.socket.sendto
_sendmsg: Callable[..., int] = socket.socket.sendmsg
_start_thread: Callable[[threading.Thread], None] = threading.Thread.start


class TargetRefused(PermissionError):
    """A destination the target policy forbids; no packet was sent to it."""


def _refuse(host: object, reason: str) -> NoReturn:
    message = f"refused to connect to {host}: {reason}"
    refusals = _refusals.get()
    if refusals is not None:
        refusals.append(message)
    raise TargetRefused(errno.EACCES, message)


def _vetted(policy: TargetPolicy, host: Any, *args: Any, **kwargs: Any) -> list[Any]:
    """getaddrinfo's answer for `host`, if the policy allows every address in it."""
    answer = _getaddrinfo(host, *args, **kwargs)
    for info in answer:
        reason = refusal(str(info[4][0]), policy)
        if reason is not None:
            _refuse(host, reason)
    return answer


def _vetted_address(sock: socket.socket, address: Any, policy: TargetPolicy) -> Any:
    """`address` with its host replaced by the vetted IP it resolves to (itself for an IP:
    getaddrinfo parses those without DNS)."""
    if sock.family not in _INET or not isinstance(address, tuple) or len(address) < 2:
        return address  # a Unix socket, or an address the socket call itself rejects
    host, port, *rest = address
    answer = _vetted(policy, host, port, sock.family)
    return (answer[0][4][0], port, *rest)


def _guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
    policy = _policy.get()
    if policy is None or host is None:  # no host: an address to listen on, not a destination
        return _getaddrinfo(host, port, *args, **kwargs)
    return _vetted(policy, host, port, *args, **kwargs)


def _guarded_connect(self: socket.socket, address: Any) -> None:
    policy = _policy.get()
    if policy is None:
        return _connect(self, address)
    return _connect(self, _vetted_address(self, address, policy))


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    policy = _policy.get()
    if policy is None:
        return _connect_ex(self, address)
    try:
        vetted = _vetted_address(self, address, policy)
    except TargetRefused:
        return errno.EACCES  # connect_ex reports a refused connect as its errno
    return _connect_ex(self, vetted)


def _guarded_sendto(self: socket.socket, data: Any, *args: Any) -> int:
    # sendto(data, address) or sendto(data, flags, address)
    policy = _policy.get()
    if policy is None or not args:
        return _sendto(self, data, *args)
    *flags, address = args
    return _sendto(self, data, *flags, _vetted_address(self, address, policy))


def _guarded_sendmsg(self: socket.socket, buffers: Any, *args: Any) -> int:
    # sendmsg(buffers[, ancdata[, flags[, address]]]), positional only
    policy = _policy.get()
    if policy is None or len(args) < 3 or args[2] is None:
        return _sendmsg(self, buffers, *args)
    ancdata, flags, address, *rest = args
    vetted = _vetted_address(self, address, policy)
    return _sendmsg(self, buffers, ancdata, flags, vetted, *rest)


def _guarded_start(self: threading.Thread) -> None:
    policy = _policy.get()
    if policy is not None:
        refusals = _refusals.get()
        run: Callable[[], None] = self.run

        def run_guarded() -> None:
            # The thread's own context: these values end with it.
            _policy.set(policy)
            _refusals.set(refusals)
            run()

        self.run = run_guarded  # type: ignore[method-assign]
    _start_thread(self)


def _install() -> None:
    # Imported twice (a reload), the wrappers stack: each judges with its own variables.
    wrappers: list[tuple[object, str, Callable[..., Any]]] = [
        (socket, "getaddrinfo", _guarded_getaddrinfo),
        (socket.socket, "connect", _guarded_connect),
        (socket.socket, "connect_ex", _guarded_connect_ex),
        (socket.socket, "sendto", _guarded_sendto),
        (socket.socket, "sendmsg", _guarded_sendmsg),
        (threading.Thread, "start", _guarded_start),
    ]
    for owner, name, wrapper in wrappers:
        setattr(owner, name, wrapper)


_install()


@contextmanager
def guarded(policy: TargetPolicy) -> Iterator[list[str]]:
    """Apply `policy` to every connection and datagram made in this context (and in threads
    started from it); yields the list the reasons for refused destinations are added to."""
    refusals: list[str] = []
    policy_token, refusals_token = _policy.set(policy), _refusals.set(refusals)
    try:
        yield refusals
    finally:
        _policy.reset(policy_token)
        _refusals.reset(refusals_token)
