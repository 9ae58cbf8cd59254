"""A message is checked when it is made: addresses are addresses, and no subject, name
or header value can carry a line break into the headers (header injection). The e-mail
built from it has a Date, a Message-ID in the sender's domain and both parts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from betteruptime.mail.addresses import MailInputError, check_address, parse_mailbox
from betteruptime.mail.message import MailMessage, compose

SENDER = parse_mailbox("BetterUptime <uptime@example.com>")


def _message(**fields: object) -> MailMessage:
    values: dict[str, object] = {"to": "ann@example.com", "subject": "Hello", "text": "Hi\n"}
    return MailMessage(**(values | fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "subject",
    [
        "Hello\r\nBcc: everyone@example.com",
        "Hello\nBcc: everyone@example.com",
        "Hello\rBcc: everyone@example.com",
    ],
)
def test_a_line_break_in_a_subject_is_refused(subject: str) -> None:
    with pytest.raises(MailInputError, match=r"^a subject may not contain line breaks"):
        _message(subject=subject)


@pytest.mark.parametrize("subject", ["Hello\x00", "Tab\there", "bell\x07", "\x85next line"])
def test_other_control_characters_in_a_subject_are_refused(subject: str) -> None:
    with pytest.raises(MailInputError, match=r"^a subject may not contain control characters"):
        _message(subject=subject)


@pytest.mark.parametrize("subject", ["", "   ", "x" * 251])
def test_a_subject_has_1_to_250_characters(subject: str) -> None:
    with pytest.raises(MailInputError, match=r"^a subject has 1 to 250 characters"):
        _message(subject=subject)


@pytest.mark.parametrize(
    "to",
    [
        "ann@example.com\r\nBcc: everyone@example.com",
        "ann@example.com\nBcc: everyone@example.com",
        "Ann <ann@example.com>",
        "ann@example.com, bob@example.com",
        "ann",
        "@example.com",
        "ann@",
        "ann@@example.com",
        "an n@example.com",
        "ann.@example.com",
        "ann@exa..mple.com",
        "ann@" + "a" * 250 + ".com",
    ],
)
def test_a_recipient_that_is_not_one_address_is_refused(to: str) -> None:
    with pytest.raises(MailInputError):
        _message(to=to)


def test_a_domain_in_another_script_is_written_in_its_ascii_form() -> None:
    assert check_address("ann@bücher.example") == "ann@xn--bcher-kva.example"
    assert _message(to="ann@bücher.example").to == "ann@xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ((("List-Unsubscribe", "<https://x/u>\r\nBcc: all@example.com"),), "line breaks"),
        ((("X-Bad\r\nBcc", "x"),), "a header name is printable ASCII without a colon"),
        ((("X-Bad: yes", "x"),), "a header name is printable ASCII without a colon"),
        ((("Bcc", "all@example.com"),), "the Bcc header is written by the mailer"),
        ((("subject", "again"),), "the subject header is written by the mailer"),
        ((("Message-ID", "<mine@x>"),), "the Message-ID header is written by the mailer"),
    ],
)
def test_extra_headers_cannot_smuggle_lines_or_repeat_the_mailers_own(
    headers: tuple[tuple[str, str], ...], message: str
) -> None:
    with pytest.raises(MailInputError, match=message):
        _message(headers=headers)


@pytest.mark.parametrize(
    "sender",
    [
        "BetterUptime\r\nBcc: all@example.com <uptime@example.com>",
        "BetterUptime <uptime@example.com>\nBcc: all@example.com",
    ],
)
def test_a_line_break_in_the_senders_name_is_refused(sender: str) -> None:
    with pytest.raises(MailInputError, match=r"^the sender may not contain line breaks"):
        parse_mailbox(sender)


@pytest.mark.parametrize(
    ("sender", "shown"),
    [
        ("betteruptime@localhost", "betteruptime@localhost"),
        ("BetterUptime <uptime@example.com>", "BetterUptime <uptime@example.com>"),
        ("  Uptime, Inc. <uptime@example.com>  ", '"Uptime, Inc." <uptime@example.com>'),
        ('"Uptime, Inc." <uptime@example.com>', '"Uptime, Inc." <uptime@example.com>'),
        ('"Say \\"up\\"" <uptime@example.com>', '"Say \\"up\\"" <uptime@example.com>'),
        ("Überwachung <uptime@example.com>", "Überwachung <uptime@example.com>"),
    ],
)
def test_a_sender_is_an_address_with_an_optional_name(sender: str, shown: str) -> None:
    mailbox = parse_mailbox(sender)

    assert str(mailbox) == shown
    assert parse_mailbox(str(mailbox)) == mailbox  # as settings keep it, read again


def test_the_email_has_a_date_a_message_id_and_both_parts() -> None:
    now = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    message = _message(
        subject="Shop <EU> & Co: ünïcode",
        text="Plain ünïcode\n",
        html="<p>HTML</p>",
        headers=(("List-Unsubscribe", "<https://uptime.example.com/u/t>"),),
    )

    email = compose(message, sender=SENDER, now=now)

    assert email["From"] == "BetterUptime <uptime@example.com>"
    assert email["To"] == "ann@example.com"
    assert email["Subject"] == "Shop <EU> & Co: ünïcode"
    assert email["Date"] == "Sun, 01 Mar 2026 12:30:00 +0000"
    assert email["Message-ID"].startswith("<") and email["Message-ID"].endswith("@example.com>")
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["List-Unsubscribe"] == "<https://uptime.example.com/u/t>"
    assert [part.get_content_type() for part in email.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    wire = bytes(email)
    assert b"\xc3" not in wire.split(b"\n\n", 1)[0]  # headers are 7-bit (RFC 2047)
    assert compose(message, sender=SENDER)["Message-ID"] != email["Message-ID"]


def test_a_message_without_html_is_plain_text() -> None:
    email = compose(_message(), sender=SENDER)

    assert email.get_content_type() == "text/plain"
    assert email.get_content() == "Hi\n"
