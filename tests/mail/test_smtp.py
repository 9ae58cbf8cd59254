"""The SMTP mailer against real SMTP servers on this machine: it delivers over plain
SMTP, STARTTLS and implicit TLS with a login, and says whether a failure is worth a
retry, as a channel's delivery does: a refused login or address is permanent, a server
that is away or silent is not."""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import quote

import pytest
import trustme

from betteruptime.mail.addresses import parse_mailbox
from betteruptime.mail.config import parse_smtp_url
from betteruptime.mail.mailer import MailError
from betteruptime.mail.message import MailMessage
from betteruptime.mail.smtp import SmtpMailer
from mail.conftest import LOGIN, MailerFor, login_url
from testkit.smtp import SmtpServer
from testkit.tcp_server import PingServer
from testkit.tls_server import trusting_context
from testkit.waiting import free_port

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

MESSAGE = MailMessage(
    to="new.member@example.com",
    subject="Ann invited you to join Acme on BetterUptime as viewer",
    text="Accept the invitation:\nhttps://uptime.example.com/invitations/t0k3n\n",
    html='<p><a href="https://uptime.example.com/invitations/t0k3n">Accept</a></p>',
)


async def _refusal(mailer: SmtpMailer, message: MailMessage = MESSAGE) -> tuple[bool, str]:
    with pytest.raises(MailError) as failed:
        await mailer.send(message)
    return failed.value.permanent, str(failed.value)


async def test_a_message_is_delivered_as_text_and_html_with_its_headers(
    smtp: SmtpServer, mailer_for: MailerFor
) -> None:
    await mailer_for(f"smtp://{smtp.host}:{smtp.port}").send(MESSAGE)

    [mail] = smtp.mails()
    assert mail.mail_from == "uptime@example.com"
    assert mail.rcpt_tos == ["new.member@example.com"]
    assert mail.message["From"] == "BetterUptime <uptime@example.com>"
    assert mail.message["To"] == "new.member@example.com"
    assert mail.subject == MESSAGE.subject
    assert mail.message["Message-ID"].endswith("@example.com>")
    assert mail.message["Date"].datetime is not None
    assert mail.message["Auto-Submitted"] == "auto-generated"
    assert mail.message.get_content_type() == "multipart/alternative"
    # As sent on the wire: CRLF line ends.
    assert mail.part("text/plain") == MESSAGE.text.replace("\n", "\r\n")
    assert mail.part("text/html").strip() == MESSAGE.html
    assert not mail.encrypted


async def test_each_message_has_its_own_message_id(smtp: SmtpServer, mailer_for: MailerFor) -> None:
    mailer = mailer_for(f"smtp://{smtp.host}:{smtp.port}")

    await asyncio.gather(mailer.send(MESSAGE), mailer.send(MESSAGE))

    ids = {mail.message["Message-ID"] for mail in smtp.mails()}
    assert len(ids) == 2


async def test_starttls_comes_before_the_login_and_the_message(
    starttls_smtp: SmtpServer, mailer_for: MailerFor
) -> None:
    # A login in the URL means STARTTLS unless the URL says starttls=false.
    await mailer_for(login_url(starttls_smtp) + "?starttls=true").send(MESSAGE)
    await mailer_for(login_url(starttls_smtp)).send(MESSAGE)

    mails = starttls_smtp.mails()
    assert len(mails) == 2 and all(mail.encrypted for mail in mails)
    assert starttls_smtp.logins == [(LOGIN[0], True), (LOGIN[0], True)]


async def test_smtps_speaks_tls_from_the_first_byte(
    smtps: SmtpServer, mailer_for: MailerFor
) -> None:
    await mailer_for(login_url(smtps, "smtps")).send(MESSAGE)

    [mail] = smtps.mails()
    assert mail.encrypted
    assert smtps.logins == [(LOGIN[0], True)]


async def test_a_login_without_tls_goes_only_where_the_url_says_so(
    mailer_for: MailerFor,
) -> None:
    server = SmtpServer(login=LOGIN)  # a relay that takes a login in the clear
    server.start()
    try:
        await mailer_for(login_url(server) + "?starttls=false").send(MESSAGE)
        # Without starttls=false the login waits for a TLS the server does not offer.
        permanent, reason = await _refusal(mailer_for(login_url(server)))
    finally:
        server.stop()

    assert len(server.mails()) == 1 and server.logins == [(LOGIN[0], True)]
    assert permanent
    assert "STARTTLS extension not supported by server" in reason


async def test_a_refused_login_is_a_permanent_failure_saying_so(
    starttls_smtp: SmtpServer, mailer_for: MailerFor
) -> None:
    mailer = mailer_for(login_url(starttls_smtp, password="wrong password"))

    permanent, reason = await _refusal(mailer)

    assert permanent
    host = f"{starttls_smtp.host}:{starttls_smtp.port}"
    assert reason.startswith(f"smtp://{LOGIN[0]}@{host}: the SMTP server refused the login: 535")
    assert starttls_smtp.mails() == []


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [("550 5.1.1 No such user here", True), ("450 4.2.1 Mailbox busy, try later", False)],
)
async def test_a_refused_recipient_is_permanent_for_a_5xx_and_passing_for_a_4xx(
    mailer_for: MailerFor, reply: str, permanent: bool
) -> None:
    server = SmtpServer(refuse={MESSAGE.to: reply})
    server.start()
    try:
        verdict, reason = await _refusal(mailer_for(f"smtp://{server.host}:{server.port}"))
    finally:
        server.stop()

    assert verdict is permanent
    assert f"the SMTP server refused the recipient: {reply}" in reason


async def test_a_server_that_is_away_is_a_passing_failure(mailer_for: MailerFor) -> None:
    port = free_port()  # nobody listens there

    permanent, reason = await _refusal(mailer_for(f"smtp://127.0.0.1:{port}"))

    assert not permanent
    assert reason == f"smtp://127.0.0.1:{port}: connection to 127.0.0.1:{port} refused"


async def test_a_server_that_never_answers_fails_after_the_urls_timeout_without_blocking_the_loop(
    mailer_for: MailerFor,
) -> None:
    silent = PingServer("silent")  # takes the connection, never greets
    await silent.start()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    try:
        permanent, reason = await _refusal(
            mailer_for(f"smtp://127.0.0.1:{silent.port}?timeout=0.5")
        )
    finally:
        elapsed = time.monotonic() - started
        ticker.cancel()
        await silent.stop()

    assert not permanent
    assert reason == (f"smtp://127.0.0.1:{silent.port}: Connection unexpectedly closed: timed out")
    assert 0.5 <= elapsed < 5
    # The loop ran on while the send waited (about 50 ticks in 0.5 s).
    assert ticks >= 20


async def test_a_certificate_the_machine_does_not_trust_is_a_permanent_failure(
    smtps: SmtpServer, starttls_smtp: SmtpServer
) -> None:
    # The servers' certificates come from the test CA; this mailer trusts another one.
    trust = trusting_context(trustme.CA())
    for server, scheme in ((smtps, "smtps"), (starttls_smtp, "smtp")):
        mailer = SmtpMailer(
            parse_smtp_url(login_url(server, scheme)),
            sender=parse_mailbox("uptime@example.com"),
            tls_context=trust,
        )
        try:
            permanent, reason = await _refusal(mailer)
        finally:
            mailer.close()
        assert permanent, reason
        assert "its TLS certificate was refused: unable to get local issuer" in reason
        assert server.logins == []


async def test_the_password_is_never_in_errors_or_logs(
    starttls_smtp: SmtpServer, mailer_for: MailerFor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wr0ng-secret-passw0rd"
    good = mailer_for(login_url(starttls_smtp))
    bad = mailer_for(login_url(starttls_smtp, password=wrong))

    await good.send(MESSAGE)
    _, reason = await _refusal(bad)

    shown = reason + caplog.text + repr(parse_smtp_url(login_url(starttls_smtp))) + good.server
    for secret in (LOGIN[1], quote(LOGIN[1], safe=""), wrong):
        assert secret not in shown
    assert "event=mail_sent" in caplog.text and "event=mail_failed" in caplog.text
