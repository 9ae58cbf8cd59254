"""The Mailer contract, held by the SMTP mailer against a real server and by the
recording mailer that stands in for it where no SMTP server runs: a message given is
taken once, as it was given; a refusal is a MailError saying whether to retry."""

from __future__ import annotations

import pytest

from betteruptime.mail.mailer import MailError, RecordingMailer
from betteruptime.mail.message import MailMessage
from mail.conftest import MailerFor
from testkit.smtp import SmtpServer

MESSAGE = MailMessage(
    to="ann@example.com", subject="Confirm your subscription to Shop", text="Confirm\n"
)


@pytest.mark.parametrize("kind", ["smtp", "recording"])
async def test_a_message_given_is_taken_once_as_given(
    kind: str, smtp: SmtpServer, mailer_for: MailerFor
) -> None:
    if kind == "smtp":
        mailer = mailer_for(f"smtp://{smtp.host}:{smtp.port}")
        await mailer.send(MESSAGE)
        taken = [(mail.rcpt_tos[0], mail.subject) for mail in smtp.mails()]
    else:
        recording = RecordingMailer()
        await recording.send(MESSAGE)
        taken = [(message.to, message.subject) for message in recording.sent]

    assert taken == [(MESSAGE.to, MESSAGE.subject)]


@pytest.mark.parametrize("permanent", [True, False])
async def test_the_recording_mailer_refuses_as_told(permanent: bool) -> None:
    mailer = RecordingMailer(failure=MailError("refused", permanent=permanent))

    with pytest.raises(MailError) as refused:
        await mailer.send(MESSAGE)

    assert refused.value.permanent is permanent and mailer.sent == []
