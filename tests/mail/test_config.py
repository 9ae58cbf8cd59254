"""BETTERUPTIME_SMTP_URL's forms, read without I/O: the server, its port, TLS, the
login and the timeout; and what is refused, in words that never quote the URL (a piece
of it may be the password)."""

from __future__ import annotations

import pytest

from betteruptime.mail.config import DEFAULT_TIMEOUT_SECONDS, SmtpConfig, parse_smtp_url

# Every form of the URL and what it names (test_settings_mail.py reads them from the
# environment too).
URL_FORMS = [
    (
        "smtp://user:pass@mail.example.com:587?starttls=true",
        SmtpConfig("mail.example.com", 587, False, True, "user", "pass"),
    ),
    (
        "smtps://user:pass@mail.example.com:465",
        SmtpConfig("mail.example.com", 465, True, False, "user", "pass"),
    ),
    ("smtp://relay.internal:25", SmtpConfig("relay.internal", 25, False, False)),
    # Default ports: 25 for smtp://, 465 for smtps://.
    ("smtp://relay.internal", SmtpConfig("relay.internal", 25)),
    (
        "SMTPS://u:p@Mail.Example.com",
        SmtpConfig("mail.example.com", 465, True, False, "u", "p"),
    ),
    # A login means STARTTLS unless the URL says otherwise, as a local relay may.
    (
        "smtp://u:p@mail.example.com:587",
        SmtpConfig("mail.example.com", 587, False, True, "u", "p"),
    ),
    (
        "smtp://u:p@127.0.0.1:1025?starttls=false",
        SmtpConfig("127.0.0.1", 1025, False, False, "u", "p"),
    ),
    ("smtp://relay:25?starttls=true", SmtpConfig("relay", 25, False, True)),
    # Percent-encoded user names and passwords are decoded.
    (
        "smtp://me%40example.com:p%40ss%3Aw%2Frd%3F%23@mx:587",
        SmtpConfig("mx", 587, False, True, "me@example.com", "p@ss:w/rd?#"),
    ),
    ("smtp://[::1]:2525", SmtpConfig("::1", 2525)),
    ("smtp://relay/", SmtpConfig("relay", 25)),
    ("smtp://relay?timeout=5", SmtpConfig("relay", 25, timeout_seconds=5.0)),
    ("smtp://relay?timeout=0.5&starttls=no", SmtpConfig("relay", 25, timeout_seconds=0.5)),
]


@pytest.mark.parametrize(("url", "expected"), URL_FORMS)
def test_each_form_of_the_url_names_its_server(url: str, expected: SmtpConfig) -> None:
    assert parse_smtp_url(url) == expected


def test_the_timeout_is_30_seconds_unless_the_url_says_otherwise() -> None:
    assert parse_smtp_url("smtp://relay").timeout_seconds == DEFAULT_TIMEOUT_SECONDS == 30.0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "must start with smtp:// or smtps://"),
        ("mailto://user:pass@mail.example.com", "must start with smtp:// or smtps://"),
        ("mail.example.com:587", "must start with smtp:// or smtps://"),
        ("smtp://", "needs a server name"),
        ("smtp://:25", "needs a server name"),
        ("smtp://relay:port", "has a port that is not a number from 1 to 65535"),
        ("smtp://relay:0", "has a port that is not a number from 1 to 65535"),
        ("smtp://relay:65536", "has a port that is not a number from 1 to 65535"),
        ("smtp://relay/inbox", "may not have a path or a #fragment"),
        ("smtp://relay#x", "may not have a path or a #fragment"),
        ("smtp://re lay", "may not contain spaces or control characters"),
        ("smtp://relay\r\n", "may not contain spaces or control characters"),
        ("smtp://user@relay", "needs both a user name and a password"),
        ("smtp://:pass@relay", "needs both a user name and a password"),
        ("smtp://relay?tls=true", "has an unknown ?option; the options are starttls= and timeout="),
        ("smtp://relay?starttls=maybe", "starttls= must be true or false"),
        ("smtp://relay?starttls=true&starttls=false", "gives starttls= twice"),
        ("smtps://u:p@relay?starttls=true", "starttls= is for smtp:// only"),
        ("smtp://relay?timeout=0", "timeout= must be a number of seconds above 0, at most 600"),
        ("smtp://relay?timeout=601", "timeout= must be a number of seconds above 0"),
        ("smtp://relay?timeout=nan", "timeout= must be a number of seconds above 0"),
        ("smtp://relay?timeout=soon", "timeout= must be a number of seconds above 0"),
    ],
)
def test_a_malformed_url_is_refused_saying_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("?", r"\?")):
        parse_smtp_url(url)


@pytest.mark.parametrize(
    "url",
    [
        # Unencoded delimiters in the password: each cuts the URL somewhere else.
        "smtp://user:s3cr/et@relay:587",
        "smtp://user:s3cr?et@relay:587",
        "smtp://user:s3cr#et@relay:587",
        "smtp://user:s3cret@relay:58x7",
        "smtp://user:s3cret@relay?timeout=s3cret",
        "smtp://user:s3cret@relay?s3cret=1",
    ],
)
def test_a_refusal_never_quotes_the_password(url: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_smtp_url(url)

    assert "s3cr" not in str(refused.value) and "et@" not in str(refused.value)


def test_the_password_is_in_no_description_of_the_server() -> None:
    config = parse_smtp_url("smtp://user:s3cret@mail.example.com:587")

    assert config.describe() == "smtp://user@mail.example.com:587"
    assert "s3cret" not in repr(config) + str(config)
    assert parse_smtp_url("smtps://[::1]").describe() == "smtps://[::1]:465"


@pytest.mark.parametrize(
    ("url", "security"),
    [
        ("smtps://u:p@mx", "tls"),
        ("smtp://u:p@mx", "starttls"),
        ("smtp://mx", "none"),
    ],
)
def test_the_security_is_named_for_the_start_up_log(url: str, security: str) -> None:
    assert parse_smtp_url(url).security == security
