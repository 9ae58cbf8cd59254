"""How TLS, ping and DNS findings are judged (domain/verdicts.py): no server, no packets,
a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from betteruptime.domain.messages import ProbeSpec
from betteruptime.domain.verdicts import (
    MAX_VALUES_SHOWN,
    Certificate,
    Pings,
    certificate_failure,
    dns_mismatch,
    dns_name_value,
    dns_value,
    ping_failures,
    quote,
    response_time_failure,
)

# --- shared -----------------------------------------------------------------------


def test_a_quote_escapes_control_characters_and_is_cut_to_the_limit() -> None:
    assert quote("+OK ready\r\n") == "'+OK ready\\r\\n'"
    assert quote("a\tb\x00") == "'a\\tb\\x00'"
    assert quote("x" * 100, limit=10) == "'" + "x" * 9 + "…'"


def test_a_response_time_fails_only_above_the_limit() -> None:
    spec = ProbeSpec(monitor_id=1, url="tcp://db.example:5432", max_response_time_ms=800)

    assert response_time_failure(spec, 800.0) is None
    assert response_time_failure(spec, 812.4) == "response took 812 ms, expected at most 800 ms"
    unlimited = spec.model_copy(update={"max_response_time_ms": None})
    assert response_time_failure(unlimited, 9e9) is None


# --- tls ----------------------------------------------------------------------------

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _cert(not_after: datetime, not_before: datetime = NOW - timedelta(days=60)) -> Certificate:
    return Certificate(not_before=not_before, not_after=not_after, issuer="Let's Encrypt")


def test_a_certificate_exactly_at_the_margin_passes() -> None:
    assert certificate_failure(_cert(NOW + timedelta(days=14)), now=NOW, margin_days=14) is None


def test_a_certificate_inside_the_margin_fails_with_days_left_date_and_issuer() -> None:
    failure = certificate_failure(_cert(NOW + timedelta(days=3)), now=NOW, margin_days=14)

    assert failure == (
        "certificate expires in 3 days (2026-12-02), within the 14-day margin "
        "(issuer: Let's Encrypt)"
    )


def test_a_certificate_expiring_today_counts_hours() -> None:
    failure = certificate_failure(_cert(NOW + timedelta(hours=5)), now=NOW, margin_days=1)

    assert failure is not None and failure.startswith("certificate expires in 5 hours ")


def test_without_a_margin_only_an_expired_or_not_yet_valid_certificate_fails() -> None:
    assert certificate_failure(_cert(NOW + timedelta(days=1)), now=NOW, margin_days=None) is None
    expired = certificate_failure(_cert(NOW - timedelta(days=1)), now=NOW, margin_days=None)
    assert expired == "certificate expired 1 day ago (2026-11-28) (issuer: Let's Encrypt)"
    early = _cert(NOW + timedelta(days=90), not_before=NOW + timedelta(days=1))
    assert certificate_failure(early, now=NOW, margin_days=None) == (
        "certificate is not valid until 2026-11-30 (issuer: Let's Encrypt)"
    )


# --- ping ---------------------------------------------------------------------------


def _spec(**fields: object) -> ProbeSpec:
    return ProbeSpec(monitor_id=1, kind="ping", url="icmp://192.0.2.7", **fields)


def _pings(sent: int, received: int, rtt: float = 12.0, error: str | None = None) -> Pings:
    return Pings(address="192.0.2.7", sent=sent, rtts_ms=[rtt] * received, last_error=error)


def test_loss_above_the_limit_fails_with_the_counts() -> None:
    failures = ping_failures(_spec(max_packet_loss_percent=20), _pings(sent=5, received=3))

    assert failures == ["40% packet loss (2 of 5), above 20%"]


def test_loss_at_the_limit_passes() -> None:
    assert ping_failures(_spec(max_packet_loss_percent=20), _pings(sent=5, received=4)) == []


def test_partial_loss_passes_when_no_limit_is_set() -> None:
    assert ping_failures(_spec(), _pings(sent=3, received=1)) == []


def test_fractional_loss_and_limits_are_shown_to_one_decimal() -> None:
    failures = ping_failures(_spec(max_packet_loss_percent=12.5), _pings(sent=3, received=2))

    assert failures == ["33.3% packet loss (1 of 3), above 12.5%"]


def test_total_loss_always_fails_and_says_why_when_known() -> None:
    silent = ping_failures(_spec(max_packet_loss_percent=100), _pings(sent=3, received=0))
    refused = ping_failures(
        _spec(), _pings(sent=2, received=0, error="Destination host unreachable")
    )

    assert silent == ["no reply from 192.0.2.7: 100% packet loss (3 of 3)"]
    assert refused == [
        "no reply from 192.0.2.7: 100% packet loss (2 of 2), "
        "last error: Destination host unreachable"
    ]


def test_an_average_round_trip_above_the_limit_fails() -> None:
    spec = _spec(max_response_time_ms=100, max_packet_loss_percent=0)

    assert ping_failures(spec, _pings(sent=4, received=4, rtt=100)) == []
    assert ping_failures(spec, _pings(sent=4, received=3, rtt=150.4)) == [
        "25% packet loss (1 of 4), above 0%",
        "average round trip 150 ms, expected at most 100 ms",
    ]


# --- dns ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rdtype", "typed", "normal"),
    [
        ("A", " 93.184.216.34 ", "93.184.216.34"),
        ("AAAA", "2001:DB8:0::1", "2001:db8::1"),
        ("CNAME", "Edge.Example.COM.", "edge.example.com"),
        ("NS", "bücher.example", "xn--bcher-kva.example"),
        ("MX", "010 Mail.Example.com.", "10 mail.example.com"),
        ("TXT", '"v=spf1 -all"', "v=spf1 -all"),
        ("TXT", "Token=AbC", "Token=AbC"),
    ],
)
def test_dns_values_are_compared_in_their_normal_form(rdtype: str, typed: str, normal: str) -> None:
    assert dns_value(rdtype, typed) == normal


def test_a_name_that_is_not_valid_is_kept_as_typed_in_lowercase() -> None:
    assert dns_name_value("a..b") == "a..b"


def test_every_expected_value_present_passes_and_extra_values_do_not_matter() -> None:
    actual = ["93.184.216.34", "93.184.216.35"]

    assert dns_mismatch("A", [" 93.184.216.35"], actual) is None
    assert dns_mismatch("A", [], actual) is None


def test_only_the_missing_values_are_named_with_what_came() -> None:
    failure = dns_mismatch("A", ["93.184.216.34", "10.0.0.1"], ["93.184.216.34"])

    assert failure == "expected 10.0.0.1, got 93.184.216.34"


def test_an_mx_exchange_may_be_expected_without_its_preference() -> None:
    actual = ["10 mail.example.com"]

    assert dns_mismatch("MX", ["mail.example.com"], actual) is None
    assert dns_mismatch("MX", ["20 mail.example.com"], actual) == (
        "expected 20 mail.example.com, got 10 mail.example.com"
    )


def test_txt_values_keep_their_case_and_are_quoted() -> None:
    failure = dns_mismatch("TXT", ["token=abc"], ["token=ABC"])

    assert failure == "expected 'token=abc', got 'token=ABC'"


def test_a_long_answer_is_cut_after_the_first_values() -> None:
    actual = [f"10.0.0.{n}" for n in range(MAX_VALUES_SHOWN + 3)]

    failure = dns_mismatch("A", ["192.0.2.1"], actual)

    assert failure is not None
    assert failure.endswith(f"10.0.0.{MAX_VALUES_SHOWN - 1}, and 3 more")
