"""Real SMTP servers for the mailer: plain, STARTTLS and implicit TLS (aiosmtpd, in a
thread of its own), with certificates from the test CA, and a mailer for a URL that
trusts that CA as a machine trusts a public one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest
import trustme

from betteruptime.mail.addresses import parse_mailbox
from betteruptime.mail.config import parse_smtp_url
from betteruptime.mail.smtp import SmtpMailer
from testkit.smtp import SmtpServer
from testkit.tls_server import trusting_context

LOGIN = ("mailer", "pa55:w@rd/with?specials")
SENDER = "BetterUptime <uptime@example.com>"

# A relay taking a login without TLS (the plain server's) makes aiosmtpd warn.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

MailerFor = Callable[[str], SmtpMailer]


def _run(server: SmtpServer) -> Iterator[SmtpServer]:
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """Plain SMTP, no login: a relay on the same network."""
    yield from _run(SmtpServer())


@pytest.fixture
def starttls_smtp(ca: trustme.CA) -> Iterator[SmtpServer]:
    """STARTTLS required before anything else, then a login (a submission port, 587)."""
    yield from _run(SmtpServer(login=LOGIN, certificate=ca.issue_cert("127.0.0.1")))


@pytest.fixture
def smtps(ca: trustme.CA) -> Iterator[SmtpServer]:
    """TLS from the first byte, then a login (smtps, 465)."""
    certificate = ca.issue_cert("127.0.0.1")
    yield from _run(SmtpServer(login=LOGIN, certificate=certificate, implicit_tls=True))


@pytest.fixture
def mailer_for(ca: trustme.CA) -> Iterator[MailerFor]:
    """SmtpMailer for an SMTP URL, trusting the test CA; closed after the test."""
    made: list[SmtpMailer] = []

    def make(url: str) -> SmtpMailer:
        mailer = SmtpMailer(
            parse_smtp_url(url), sender=parse_mailbox(SENDER), tls_context=trusting_context(ca)
        )
        made.append(mailer)
        return mailer

    yield make
    for mailer in made:
        mailer.close()


def login_url(server: SmtpServer, scheme: str = "smtp", password: str | None = None) -> str:
    """The server's URL with its login, percent-encoded as the README says."""
    user, right = LOGIN
    secret = quote(right if password is None else password, safe="")
    return f"{scheme}://{user}:{secret}@{server.host}:{server.port}"
