"""What sends the product's own mail: the `Mailer` interface, the error it raises, and
an in-process mailer that records what it was given.

A `MailError` says whether trying again makes sense, as a channel's delivery does
(`alerting/failures.py`): `permanent` when the server refused for good (a login or
address refused with a 5xx, a server that cannot do what the URL asks), otherwise the
server may take it later (a 4xx, no answer, no connection).
"""

from __future__ import annotations

from typing import Protocol

from betteruptime.mail.message import MailMessage


class MailError(Exception):
    """A message was not sent; the text says why, naming the server but never its
    password."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Mailer(Protocol):
    async def send(self, message: MailMessage) -> None:
        """Hand `message` to the mail server; MailError if it was not taken."""
        ...


class RecordingMailer:
    """Keeps every message it is given instead of sending it, for tests of code that
    sends mail where no SMTP server runs; with `failure`, refuses each one with it."""

    def __init__(self, *, failure: MailError | None = None) -> None:
        self.sent: list[MailMessage] = []
        self.failure = failure

    async def send(self, message: MailMessage) -> None:
        if self.failure is not None:
            raise self.failure
        self.sent.append(message)
