"""A real SMTP server on a free loopback port (aiosmtpd), for `mailto://` channels and
the product's own mail: it stores every e-mail it accepts, parsed, can require a login
(AUTH PLAIN/LOGIN; without TLS, as a local relay might, unless it speaks TLS), and can
answer chosen recipients with a refusal. Given a certificate (`testkit.tls_server`'s
test CA issues one), it offers STARTTLS and requires it before anything else, or, with
`implicit_tls`, speaks TLS from the first byte (smtps://).

aiosmtpd serves from a thread of its own, so a notifier on the test's event loop talks to
it over a real socket, as it would to any mail server."""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from testkit.waiting import free_port


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    # Whether it came over TLS (STARTTLS or implicit).
    encrypted: bool = False

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, content_type: str) -> str:
        """The decoded text of the (single) part of this type."""
        parts = [p for p in self.message.walk() if p.get_content_type() == content_type]
        assert len(parts) == 1, f"{len(parts)} {content_type} parts in {self.subject!r}"
        return str(parts[0].get_content())


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self._server = server

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        refusal = self._server.refuse.get(address)
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        message = message_from_bytes(raw, policy=policy.default)
        encrypted = server.transport is not None and bool(
            server.transport.get_extra_info("ssl_object")
        )
        mail = ReceivedMail(str(envelope.mail_from), list(envelope.rcpt_tos), message, encrypted)
        with self._server.lock:
            self._server.received.append(mail)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(
        self,
        *,
        login: tuple[str, str] | None = None,
        refuse: dict[str, str] | None = None,
        certificate: trustme.LeafCert | None = None,
        implicit_tls: bool = False,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.login = login
        # Recipient address -> the reply refusing it, such as "550 5.1.1 No such user".
        self.refuse = refuse or {}
        self.lock = threading.Lock()
        self.received: list[ReceivedMail] = []
        # Logins tried, as (user, accepted).
        self.logins: list[tuple[str, bool]] = []
        options: dict[str, Any] = {}
        if login is not None:
            options = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": certificate is not None and not implicit_tls,
            }
        if certificate is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            certificate.configure_cert(context)
            if implicit_tls:
                options["ssl_context"] = context
            else:
                options.update(tls_context=context, require_starttls=True)
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **options)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword) or self.login is None:
            return AuthResult(success=False, handled=False)
        user, password = data.login.decode(), data.password.decode()
        accepted = (user, password) == self.login
        with self.lock:
            self.logins.append((user, accepted))
        return AuthResult(success=accepted, handled=False)

    def mails(self) -> list[ReceivedMail]:
        with self.lock:
            return list(self.received)

    def url(
        self,
        *,
        to: str = "ops@example.com",
        sender: str = "alerts@example.com",
        password: str | None = None,
    ) -> str:
        """An Apprise URL for plain SMTP (no SSL, no STARTTLS) to this server; with this
        server's login (or another password) in it if it requires one."""
        auth = ""
        if self.login is not None:
            user, right = self.login
            auth = f"{user}:{right if password is None else password}@"
        return f"mailto://{auth}{self.host}:{self.port}?mode=insecure&from={sender}&to={to}"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
