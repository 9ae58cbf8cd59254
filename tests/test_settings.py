"""Secrets from files: every secret variable NAME also reads NAME_FILE (Docker and
Kubernetes secrets), refusing both set, with a one-line error naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from betteruptime.settings import SECRET_FIELDS, SettingsError, load_settings, variable_name
from testkit.processes import run_betteruptime

SECRET_VALUES = {
    "database_url": "postgresql://betteruptime:s3cret@db.internal:5432/betteruptime",
    "rabbitmq_url": "amqp://user:s3cret@mq.internal:5672/",
    "redis_url": "redis://:s3cret@cache.internal:6379/0",
    "secret_key": "a-cookie-signing-key-of-some-length",
    "metrics_token": "a-metrics-token-long-enough",
    "oidc_client_secret": "the-client-secret",
    "smtp_url": "smtp://mailer:s3cret@mail.internal:587?starttls=true",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No secret variable from the outside, and no .env file but the test's own."""
    monkeypatch.chdir(tmp_path)
    for field in SECRET_FIELDS:
        name = variable_name(field)
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)


def _secret_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "secret"
    path.write_text(text)
    return path


def test_every_secret_field_names_its_variable() -> None:
    assert [variable_name(field) for field in SECRET_FIELDS] == [
        "DATABASE_URL",
        "RABBITMQ_URL",
        "REDIS_URL",
        "BETTERUPTIME_SECRET_KEY",
        "BETTERUPTIME_METRICS_TOKEN",
        "BETTERUPTIME_OIDC_CLIENT_SECRET",
        "BETTERUPTIME_SMTP_URL",
    ]


@pytest.mark.parametrize("field", SECRET_FIELDS)
def test_each_secret_is_read_from_the_file_named_by_its_file_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, field: str
) -> None:
    path = _secret_file(tmp_path, SECRET_VALUES[field] + "\n")
    monkeypatch.setenv(f"{variable_name(field)}_FILE", str(path))
    if field == "oidc_client_secret":  # needed only with an issuer, and needed then
        monkeypatch.setenv("BETTERUPTIME_OIDC_ISSUER", "https://accounts.example.com")
        monkeypatch.setenv("BETTERUPTIME_OIDC_CLIENT_ID", "client")

    value = getattr(load_settings(), field)

    shown = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    assert shown == SECRET_VALUES[field]


def test_only_the_trailing_newline_is_dropped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _secret_file(tmp_path, "  spaces are part of the key  \r\n")
    monkeypatch.setenv("BETTERUPTIME_SECRET_KEY_FILE", str(path))

    assert load_settings().resolved_secret_key() == "  spaces are part of the key  "


def test_a_file_variable_in_the_env_file_is_read_too(tmp_path: Path) -> None:
    path = _secret_file(tmp_path, SECRET_VALUES["redis_url"])
    (tmp_path / ".env").write_text(f"REDIS_URL_FILE={path}\n")

    assert load_settings().redis_url == SECRET_VALUES["redis_url"]


def test_a_value_read_from_a_file_is_checked_like_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RABBITMQ_URL_FILE", str(_secret_file(tmp_path, "http://mq/")))

    with pytest.raises(SettingsError, match=r"^invalid setting RABBITMQ_URL: must start with amqp"):
        load_settings()


@pytest.mark.parametrize("both_in_env_file", [False, True])
def test_a_secret_set_both_ways_stops_start_up_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, both_in_env_file: bool
) -> None:
    path = _secret_file(tmp_path, SECRET_VALUES["database_url"])
    if both_in_env_file:
        (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///x.db\nDATABASE_URL_FILE={path}\n")
    else:
        monkeypatch.setenv("DATABASE_URL", "sqlite:///x.db")
        monkeypatch.setenv("DATABASE_URL_FILE", str(path))

    with pytest.raises(SettingsError) as refused:
        load_settings()

    assert str(refused.value) == (
        "DATABASE_URL and DATABASE_URL_FILE are both set; set only one of them"
    )


def test_an_empty_variable_beside_a_file_counts_as_unset(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BETTERUPTIME_METRICS_TOKEN", "")
    monkeypatch.setenv("BETTERUPTIME_METRICS_TOKEN_FILE", str(_secret_file(tmp_path, "t" * 20)))

    token = load_settings().metrics_token

    assert token is not None and token.get_secret_value() == "t" * 20


def test_an_unreadable_file_stops_start_up_saying_which_and_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "not-there"
    monkeypatch.setenv("BETTERUPTIME_SECRET_KEY_FILE", str(missing))

    with pytest.raises(SettingsError) as refused:
        load_settings()

    assert str(refused.value) == (
        f"BETTERUPTIME_SECRET_KEY_FILE names {missing}, which cannot be read: "
        "No such file or directory"
    )


def test_the_cli_says_so_in_one_line_and_exits_without_a_traceback(tmp_path: Path) -> None:
    path = _secret_file(tmp_path, SECRET_VALUES["database_url"])
    env = {"DATABASE_URL": "sqlite:///x.db", "DATABASE_URL_FILE": str(path)}

    ran = run_betteruptime(tmp_path, "db", "upgrade", env=env)

    assert ran.returncode == 2
    assert ran.stderr.strip() == (
        "error: DATABASE_URL and DATABASE_URL_FILE are both set; set only one of them"
    )
    assert SECRET_VALUES["database_url"] not in ran.stderr + ran.stdout


def test_the_rdap_bootstrap_url_defaults_to_iana_and_must_be_http(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BETTERUPTIME_RDAP_BOOTSTRAP_URL", raising=False)
    assert load_settings().rdap_bootstrap_url == "https://data.iana.org/rdap/dns.json"
    monkeypatch.setenv("BETTERUPTIME_RDAP_BOOTSTRAP_URL", "http://127.0.0.1:8053/dns.json")
    assert load_settings().rdap_bootstrap_url == "http://127.0.0.1:8053/dns.json"

    monkeypatch.setenv("BETTERUPTIME_RDAP_BOOTSTRAP_URL", "ftp://data.iana.org/rdap/dns.json")
    with pytest.raises(SettingsError, match=r"^invalid setting BETTERUPTIME_RDAP_BOOTSTRAP_URL: "):
        load_settings()
