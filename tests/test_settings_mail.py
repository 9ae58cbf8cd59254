"""BETTERUPTIME_SMTP_URL and BETTERUPTIME_MAIL_FROM: every form of the URL is read into
its server, a bad value stops start-up with one line naming the variable (never the
password), and nothing shows the password afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from betteruptime.mail.config import SmtpConfig
from betteruptime.settings import SettingsError, load_settings
from mail.test_config import URL_FORMS
from testkit.processes import run_betteruptime

SMTP = "BETTERUPTIME_SMTP_URL"
FROM = "BETTERUPTIME_MAIL_FROM"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env file but the test's own
    for name in (SMTP, f"{SMTP}_FILE", FROM):
        monkeypatch.delenv(name, raising=False)


def test_without_the_url_no_mail_is_sent_and_the_sender_has_a_default() -> None:
    settings = load_settings()

    assert settings.smtp() is None
    assert settings.mail_from == "betteruptime@localhost"


def test_an_empty_url_in_the_env_file_means_unset(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"{SMTP}=\n")

    assert load_settings().smtp() is None


@pytest.mark.parametrize(("url", "expected"), URL_FORMS)
def test_each_form_of_the_url_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, url: str, expected: SmtpConfig
) -> None:
    monkeypatch.setenv(SMTP, url)

    assert load_settings().smtp() == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mailto://user:s3cret@mail.example.com", "must start with smtp:// or smtps://"),
        ("smtp://user:s3cret@mail.example.com:58x7", "has a port that is not a number"),
        ("smtp://user:s3cr/et@mail.example.com", "has a port that is not a number"),
        ("smtp://user:s3cret@mail.example.com/inbox", "may not have a path"),
        ("smtp://user@mail.example.com", "needs both a user name and a password"),
        ("smtp://user:s3cret@mail.example.com?ssl=1", "has an unknown ?option"),
        ("smtps://user:s3cret@mail.example.com?starttls=true", "starttls= is for smtp:// only"),
        ("smtp://user:s3cret@mail.example.com?timeout=-1", "timeout= must be a number"),
    ],
)
def test_a_bad_url_stops_start_up_naming_the_variable_but_not_the_password(
    monkeypatch: pytest.MonkeyPatch, url: str, message: str
) -> None:
    monkeypatch.setenv(SMTP, url)

    with pytest.raises(SettingsError) as refused:
        load_settings()

    assert str(refused.value).startswith(f"invalid setting {SMTP}: {message}")
    assert "\n" not in str(refused.value)
    assert "s3cr" not in str(refused.value)


@pytest.mark.parametrize(
    ("sender", "kept"),
    [
        ("uptime@example.com", "uptime@example.com"),
        ("BetterUptime <uptime@example.com>", "BetterUptime <uptime@example.com>"),
        ("Uptime, Inc. <uptime@example.com>", '"Uptime, Inc." <uptime@example.com>'),
    ],
)
def test_the_sender_may_carry_a_name(
    monkeypatch: pytest.MonkeyPatch, sender: str, kept: str
) -> None:
    monkeypatch.setenv(FROM, sender)

    assert load_settings().mail_from == kept


@pytest.mark.parametrize(
    ("sender", "message"),
    [
        ("uptime", "must be an e-mail address like name@example.com"),
        ("Uptime <>", "must be an e-mail address like name@example.com"),
        ("uptime@example.com, ops@example.com", "must be an e-mail address"),
        ("Uptime\r\nBcc: all@example.com <uptime@example.com>", "the sender may not contain line"),
    ],
)
def test_a_bad_sender_stops_start_up_naming_the_variable(sender: str, message: str) -> None:
    with pytest.raises(SettingsError, match=f"^invalid setting {FROM}: {message}"):
        load_settings(mail_from=sender)


def test_the_settings_never_show_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SMTP, "smtp://mailer:s3cret@mail.example.com:587")

    settings = load_settings()
    config = settings.smtp()

    assert config is not None and config.password == "s3cret"
    assert "s3cret" not in repr(settings) + str(settings) + repr(config) + config.describe()


def test_the_cli_says_so_in_one_line_without_a_traceback_or_the_password(tmp_path: Path) -> None:
    env = {SMTP: "smtp://mailer:s3cret@mail.example.com:587?tls=yes"}

    ran = run_betteruptime(tmp_path, "db", "upgrade", env=env)

    assert ran.returncode == 2
    assert ran.stderr.strip() == (
        f"error: invalid setting {SMTP}: has an unknown ?option; "
        "the options are starttls= and timeout="
    )
    assert "s3cret" not in ran.stderr + ran.stdout
