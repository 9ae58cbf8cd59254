"""What the network answered during one send: HTTP statuses (with Retry-After), SMTP
refusals and failed connections, so a failed delivery can tell a permanent refusal from a
passing one (`alerting/failures.py`) without reading Apprise's log text.

Apprise's plugins send HTTP through `requests`, which talks through urllib3's
`HTTPConnection` (plain and TLS), and e-mail through `smtplib`. A few of their methods are
wrapped once, when this module is imported, as `guard.py` wraps urllib3's connection
creation: inside `observed()` each adds what it saw to that context's list; outside, they
only call through. The list travels in a context variable, which Apprise copies into its
worker threads, so concurrent sends never see each other's answers.

Wrapped: `HTTPConnection.getresponse` (every response, redirects included) and
`HTTPConnection._new_conn` (where urllib3 turns a failed connect into NameResolutionError,
ConnectTimeoutError or NewConnectionError); `smtplib.SMTP.connect`, `starttls`, `login`
and `sendmail` (the replies they raise or return as refused).
"""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any

from urllib3.connection import HTTPConnection
from urllib3.exceptions import ConnectTimeoutError

from betteruptime.alerting.failures import ConnectFailure, HttpAnswer, Observation, SmtpRefusal

_seen: ContextVar[list[Observation] | None] = ContextVar("notification_answers", default=None)

# getaddrinfo's "this name does not exist" (NXDOMAIN), as opposed to EAI_AGAIN (the
# resolver could not answer now).
NO_SUCH_NAME = frozenset(
    code
    for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None))
    if code is not None
)


def _note(observation: Observation) -> None:
    seen = _seen.get()
    if seen is not None:
        seen.append(observation)


def connect_failure(host: str, port: int | None, cause: BaseException | None) -> ConnectFailure:
    """Why connecting to host:port failed, from the socket error underneath."""
    where = f"{host}:{port}" if port else host
    if isinstance(cause, socket.gaierror):
        if cause.errno in NO_SUCH_NAME:
            return ConnectFailure(host, True, f"{host} does not resolve (no such name)")
        return ConnectFailure(host, False, f"{host} could not be resolved: {cause.strerror}")
    if isinstance(cause, ConnectionRefusedError):
        return ConnectFailure(host, False, f"connection to {where} refused")
    if isinstance(cause, TimeoutError):
        return ConnectFailure(host, False, f"connection to {where} timed out")
    detail = getattr(cause, "strerror", None) or "no connection"
    return ConnectFailure(host, False, f"could not connect to {where}: {detail}")


def _watch_http() -> None:
    getresponse = HTTPConnection.getresponse

    @wraps(getresponse)
    def watched_getresponse(self: HTTPConnection, *args: Any, **kwargs: Any) -> Any:
        response = getresponse(self, *args, **kwargs)
        _note(HttpAnswer(response.status, response.headers.get("Retry-After")))
        return response

    HTTPConnection.getresponse = watched_getresponse  # type: ignore[method-assign]
    # Private in urllib3 2.x: should it go, failed connections are no longer told apart
    # (all are retried), and tests/alerting/test_sender_failures.py fails to say so.
    new_conn: Callable[[HTTPConnection], Any] | None = getattr(HTTPConnection, "_new_conn", None)
    if new_conn is None:
        return
    connect = new_conn

    @wraps(connect)
    def watched_new_conn(self: HTTPConnection) -> Any:
        try:
            return connect(self)
        except ConnectTimeoutError as error:  # NameResolution- and NewConnectionError too
            _note(connect_failure(self.host, self.port, error.__cause__))
            raise

    HTTPConnection._new_conn = watched_new_conn  # type: ignore[method-assign]


def _smtp_text(message: bytes | str) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def _note_refused(recipients: dict[str, tuple[int, bytes]]) -> None:
    for code, message in recipients.values():
        _note(SmtpRefusal(code, _smtp_text(message), "recipient"))


SMTP_STAGES: tuple[tuple[type[smtplib.SMTPResponseException], str], ...] = (
    (smtplib.SMTPAuthenticationError, "login"),
    (smtplib.SMTPSenderRefused, "sender"),
    (smtplib.SMTPDataError, "message"),
    (smtplib.SMTPHeloError, "greeting"),
    (smtplib.SMTPConnectError, "connection"),
)


def _stage(error: smtplib.SMTPResponseException) -> str:
    return next((stage for kind, stage in SMTP_STAGES if isinstance(error, kind)), "command")


def _watch_smtp_method(name: str) -> None:
    original: Callable[..., Any] = getattr(smtplib.SMTP, name)

    @wraps(original)
    def watched(self: smtplib.SMTP, *args: Any, **kwargs: Any) -> Any:
        try:
            result = original(self, *args, **kwargs)
        except smtplib.SMTPRecipientsRefused as error:
            _note_refused(error.recipients)
            raise
        except smtplib.SMTPResponseException as error:
            _note(SmtpRefusal(error.smtp_code, _smtp_text(error.smtp_error), _stage(error)))
            raise
        except OSError as error:
            if name == "connect":
                host = str(args[0] if args else kwargs.get("host", "localhost"))
                port = args[1] if len(args) > 1 else kwargs.get("port")
                _note(connect_failure(host, int(port) if port else None, error))
            raise
        if name == "sendmail" and result:  # some recipients refused, the rest took it
            _note_refused(result)
        return result

    setattr(smtplib.SMTP, name, watched)


_watch_http()
for _method in ("connect", "starttls", "login", "sendmail"):
    _watch_smtp_method(_method)


@contextmanager
def observed() -> Iterator[list[Observation]]:
    """Collect what the network answers to the sends made in this context (and in the
    threads Apprise starts from it)."""
    seen: list[Observation] = []
    token = _seen.set(seen)
    try:
        yield seen
    finally:
        _seen.reset(token)
