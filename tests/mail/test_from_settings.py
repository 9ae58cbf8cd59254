"""mailer_from_settings: no URL, no mailer (and a log line saying mail is off); with one,
a mailer that sends from BETTERUPTIME_MAIL_FROM through that server, announced at
start-up without its password."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from betteruptime.mail.message import MailMessage
from betteruptime.mail.smtp import mailer_from_settings
from betteruptime.settings import Settings
from mail.conftest import LOGIN, login_url
from testkit.smtp import SmtpServer

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def _settings(**fields: object) -> Settings:
    return Settings(_env_file=None, **fields)  # type: ignore[arg-type]


def test_without_a_url_there_is_no_mailer_and_the_log_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="betteruptime.mail")

    assert mailer_from_settings(_settings(smtp_url=None)) is None
    assert "event=mail_off" in caplog.text


async def test_the_mailer_sends_from_the_configured_sender_through_the_configured_server(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="betteruptime.mail")
    server = SmtpServer(login=LOGIN)
    server.start()
    url = login_url(server) + "?starttls=false"
    try:
        mailer = mailer_from_settings(
            _settings(smtp_url=SecretStr(url), mail_from="Uptime, Inc. <uptime@example.com>")
        )
        assert mailer is not None
        await mailer.send(MailMessage(to="ann@example.com", subject="Hi", text="Hello\n"))
    finally:
        server.stop()

    [mail] = server.mails()
    assert mail.mail_from == "uptime@example.com"
    assert mail.message["From"] == '"Uptime, Inc." <uptime@example.com>'
    assert f"event=mail_on server=smtp://{LOGIN[0]}@{server.host}:{server.port}" in caplog.text
    assert "tls=none" in caplog.text
    assert LOGIN[1] not in caplog.text and "pa55" not in caplog.text
