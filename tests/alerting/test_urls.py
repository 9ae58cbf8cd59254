"""Apprise channel URLs: validated by Apprise, and never shown with their secrets."""

from __future__ import annotations

import contextlib
import logging

import pytest

from betteruptime.alerting.urls import mask_url, validate_apprise_url
from testkit.channel_urls import SERVICE_URLS


@pytest.mark.parametrize(("url", "secrets"), SERVICE_URLS)
def test_apprise_accepts_each_documented_service_url(url: str, secrets: list[str]) -> None:
    assert validate_apprise_url(f"  {url} ") == url


@pytest.mark.parametrize(("url", "secrets"), SERVICE_URLS)
def test_no_secret_survives_masking(url: str, secrets: list[str]) -> None:
    masked = mask_url(url)

    assert "***" in masked
    for secret in secrets:
        assert secret not in masked


def test_masking_keeps_the_scheme_and_two_characters_of_each_token() -> None:
    assert mask_url("slack://TokenA/TokenB/TokenC/#channel") == ("slack://To***/To***/To***/#c***")
    assert mask_url("tgram://123456789:AAHbot/42") == "tgram://12***:AA***/42***"


def test_masking_keeps_the_host_of_webhooks_and_mail_but_not_their_path_tokens() -> None:
    assert mask_url("json://user:pass@hooks.example.com:8080/alerts") == (
        "json://user:***@hooks.example.com:8080/al***"
    )
    assert mask_url("mailto://user:pass@gmail.com") == "mailto://user:***@gmail.com"
    # A webhook's path is often its only secret (Slack-style /services/T…/B…/X…).
    assert mask_url("jsons://hooks.example.com/services/T0A1/B0C2/XyZsecret") == (
        "jsons://hooks.example.com/se***/T0***/B0***/Xy***"
    )


@pytest.mark.parametrize(
    "param",
    [
        "token",
        "apikey",
        "api_key",
        "secret",
        "password",
        "pass",
        "auth",
        "+Authorization",
        "access_token",
        "routing_key",
    ],
)
def test_secret_query_parameters_are_masked(param: str) -> None:
    masked = mask_url(f"json://hooks.example.com/alerts?method=POST&{param}=Sup3rS3cretValue")

    assert "Sup3rS3cretValue" not in masked
    assert masked.endswith(f"?method=POST&{param}=***")


def test_something_that_is_not_a_url_is_masked_entirely() -> None:
    assert mask_url("not a url with s3cret") == "***"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "must be an Apprise URL"),
        ("hooks.example.com/alerts", "of the form service://"),
        ("nosuchservice://token", '"nosuchservice://" is not a notification service'),
        ("slack://", "Apprise cannot use this slack:// URL"),
        ("mailto://gmail.com", "Apprise cannot use this mailto:// URL"),
        ("json://exa mple.com/", "may not contain spaces"),
    ],
)
def test_it_refuses_what_apprise_cannot_use_and_says_why(url: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        validate_apprise_url(url)

    assert message in str(raised.value)


def test_the_refusal_never_repeats_the_secret() -> None:
    with pytest.raises(ValueError) as raised:
        validate_apprise_url("slack://OnlyOneS3cretToken")

    assert "OnlyOneS3cretToken" not in str(raised.value)


@pytest.mark.parametrize(
    ("url", "secrets"),
    [*SERVICE_URLS, ("slack://OnlyOneS3cretToken", ["OnlyOneS3cretToken"])],
)
def test_validating_logs_no_secret(
    url: str, secrets: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    with contextlib.suppress(ValueError):
        validate_apprise_url(url)

    for secret in secrets:
        assert secret not in caplog.text
