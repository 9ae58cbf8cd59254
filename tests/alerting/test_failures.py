"""Which failed deliveries are worth a retry, judged on the answers alone (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from betteruptime.alerting.failures import (
    ConnectFailure,
    HttpAnswer,
    SmtpRefusal,
    Verdict,
    classify,
    retry_after_seconds,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 410, 413, 422])
def test_a_4xx_answer_is_permanent(status: int) -> None:
    verdict = classify([HttpAnswer(status)], now=NOW)

    assert verdict.permanent
    assert verdict.reason is not None and verdict.reason.startswith(f"HTTP {status} ")


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_timeouts_rate_limits_and_server_errors_are_worth_a_retry(status: int) -> None:
    verdict = classify([HttpAnswer(status)], now=NOW)

    assert (
        not verdict.permanent
        and verdict.reason
        == f"HTTP {status} "
        + {
            408: "Request Timeout",
            429: "Too Many Requests",
            500: "Internal Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
            504: "Gateway Timeout",
        }[status]
    )


def test_a_failure_without_any_answer_is_worth_a_retry_and_says_nothing_of_its_own() -> None:
    assert classify([], now=NOW) == Verdict()
    assert classify([HttpAnswer(200)], now=NOW) == Verdict()  # 200 with an error in its body


def test_redirects_and_successes_before_the_failure_do_not_count() -> None:
    verdict = classify([HttpAnswer(301), HttpAnswer(200), HttpAnswer(404)], now=NOW)

    assert verdict.permanent and verdict.reason == "HTTP 404 Not Found"


def test_it_is_permanent_only_if_every_failing_answer_is() -> None:
    verdict = classify([HttpAnswer(404), HttpAnswer(503)], now=NOW)

    assert not verdict.permanent
    assert verdict.reason == "HTTP 503 Service Unavailable"  # the answer worth the retry


def test_retry_after_in_seconds_or_as_an_http_date_is_honoured_on_429_and_503() -> None:
    seconds = classify([HttpAnswer(429, "120")], now=NOW)
    date = classify([HttpAnswer(503, "Tue, 01 Dec 2026 12:05:00 GMT")], now=NOW)

    assert seconds == Verdict(
        False, "HTTP 429 Too Many Requests, asked to retry after 120 s", 120.0
    )
    assert date.retry_after_seconds == 300.0 and not date.permanent
    # Elsewhere it means nothing for us.
    assert classify([HttpAnswer(500, "60")], now=NOW).retry_after_seconds is None


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("0", 0.0),
        (" 7 ", 7.0),
        ("Tue, 01 Dec 2026 11:00:00 GMT", 0.0),  # already past
        ("Tuesday, 01-Dec-26 12:01:00 GMT", 60.0),  # the obsolete RFC 850 form
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("", None),
    ],
)
def test_retry_after_values(header: str, seconds: float | None) -> None:
    assert retry_after_seconds(header, now=NOW) == seconds


def test_an_smtp_5xx_is_permanent_and_a_4xx_is_not() -> None:
    login = SmtpRefusal(535, "5.7.8 Authentication credentials invalid", "login")
    greylisted = SmtpRefusal(451, "4.7.1 Greylisted, try again later", "recipient")

    refused = classify([login], now=NOW)
    later = classify([greylisted], now=NOW)

    assert refused.permanent
    assert refused.reason == (
        "the SMTP server refused the login: 535 5.7.8 Authentication credentials invalid"
    )
    assert not later.permanent and later.reason and "451" in later.reason


def test_a_host_name_that_does_not_exist_is_permanent_a_refused_connection_is_not() -> None:
    missing = ConnectFailure("hooks.invalid", True, "hooks.invalid does not resolve (no such name)")
    refused = ConnectFailure("10.0.0.5", False, "connection to 10.0.0.5:443 refused")

    assert classify([missing], now=NOW) == Verdict(True, missing.text)
    assert classify([refused], now=NOW) == Verdict(False, refused.text)
