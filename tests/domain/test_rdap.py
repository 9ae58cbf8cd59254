"""Domain registrations (domain/rdap.py) and their verdict (domain/verdicts.py): the
registrable domain from the Public Suffix List, the IANA bootstrap file, RDAP domain
answers, and the expiry threshold. No server, a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from betteruptime.domain.rdap import (
    RdapError,
    ascii_name,
    domain_query_url,
    parse_domain_answer,
    rdap_bases,
    registrable_domain,
)
from betteruptime.domain.verdicts import domain_expiry_failure

NOW = datetime(2026, 12, 25, 12, 0, tzinfo=UTC)

# --- the registrable domain -----------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("example.com", "example.com"),
        ("www.example.com", "example.com"),
        ("a.b.c.example.com.", "example.com"),
        ("WWW.Example.COM", "example.com"),
        ("www.example.co.uk", "example.co.uk"),  # not co.uk: a public suffix of two labels
        ("shop.example.com.au", "example.com.au"),
        ("user.github.io", "github.io"),  # private suffixes are not registries
        ("www.bücher.de", "xn--bcher-kva.de"),  # RDAP speaks A-labels
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("host.example.test", "example.test"),  # a TLD the list does not know: still a TLD
    ],
)
def test_the_registrable_domain_is_found_with_the_public_suffix_list(
    host: str, domain: str
) -> None:
    assert registrable_domain(host) == domain


@pytest.mark.parametrize(
    "host", ["co.uk", "com", "localhost", "127.0.0.1", "::1", "[::1]", "10.0.0.1", "", "a..b"]
)
def test_a_public_suffix_a_single_label_or_an_address_has_no_registrable_domain(
    host: str,
) -> None:
    assert registrable_domain(host) is None


def test_an_ip_address_is_not_a_name() -> None:
    assert ascii_name("192.0.2.1") is None
    assert ascii_name("Bücher.DE.") == "xn--bcher-kva.de"


# --- the bootstrap file ---------------------------------------------------------------


BOOTSTRAP: dict[str, Any] = {
    "version": "1.0",
    "publication": "2026-12-01T00:00:00Z",
    "services": [
        [["com", "net"], ["https://rdap.verisign.com/com/v1/"]],
        [["uk"], ["http://rdap.nominet.uk/uk", "https://rdap.nominet.uk/uk"]],
        [["co.example"], ["https://second-level.example/rdap/"]],
        [["example"], ["https://tld.example/rdap/"]],
        "not a service",
        [["broken"]],
    ],
}


def test_the_bootstrap_file_names_the_servers_of_a_tld_https_first() -> None:
    assert rdap_bases(BOOTSTRAP, "example.com") == ["https://rdap.verisign.com/com/v1/"]
    # A base without its trailing slash gets one; https comes before http.
    assert rdap_bases(BOOTSTRAP, "example.co.uk") == [
        "https://rdap.nominet.uk/uk/",
        "http://rdap.nominet.uk/uk/",
    ]


def test_the_longest_matching_bootstrap_entry_wins() -> None:
    assert rdap_bases(BOOTSTRAP, "shop.co.example") == ["https://second-level.example/rdap/"]
    assert rdap_bases(BOOTSTRAP, "shop.example") == ["https://tld.example/rdap/"]


def test_a_tld_without_an_entry_has_no_server() -> None:
    assert rdap_bases(BOOTSTRAP, "example.de") == []
    # "com" must match a whole label, not the end of one.
    assert rdap_bases(BOOTSTRAP, "example.dotcom") == []


def test_a_file_without_services_is_not_a_bootstrap_file() -> None:
    with pytest.raises(RdapError, match="no list of services"):
        rdap_bases({"version": "1.0"}, "example.com")


def test_the_domain_query_url_follows_rfc_9082() -> None:
    assert (
        domain_query_url("https://rdap.verisign.com/com/v1/", "example.com")
        == "https://rdap.verisign.com/com/v1/domain/example.com"
    )


# --- a domain's answer ----------------------------------------------------------------

URL = "https://rdap.verisign.com/com/v1/domain/example.com"


def _answer(**extra: Any) -> dict[str, Any]:
    return {
        "objectClassName": "domain",
        "ldhName": "EXAMPLE.COM",
        "events": [
            {"eventAction": "registration", "eventDate": "1995-08-14T04:00:00Z"},
            {"eventAction": "expiration", "eventDate": "2027-08-13T04:00:00Z"},
            {"eventAction": "last update of RDAP database", "eventDate": "2026-12-24T10:00:00Z"},
        ],
        "entities": [
            {"objectClassName": "entity", "roles": ["technical"], "vcardArray": []},
            {
                "objectClassName": "entity",
                "roles": ["registrar"],
                "vcardArray": [
                    "vcard",
                    [["version", {}, "text", "4.0"], ["fn", {}, "text", "Example Registrar, Inc."]],
                ],
            },
        ],
        **extra,
    }


def test_an_answer_gives_the_expiration_event_and_the_registrar() -> None:
    found = parse_domain_answer(_answer(), domain="example.com", rdap_url=URL)

    assert found.domain == "example.com"
    assert found.expires_at == datetime(2027, 8, 13, 4, 0, tzinfo=UTC)
    assert found.registrar == "Example Registrar, Inc."
    assert found.rdap_url == URL


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("2027-08-13T04:00:00.000Z", datetime(2027, 8, 13, 4, 0, tzinfo=UTC)),
        ("2027-08-13T06:00:00+02:00", datetime(2027, 8, 13, 4, 0, tzinfo=UTC)),
        ("2027-08-13T04:00:00", datetime(2027, 8, 13, 4, 0, tzinfo=UTC)),  # no offset: UTC
    ],
)
def test_expiration_dates_are_read_in_utc(written: str, read: datetime) -> None:
    answer = _answer(events=[{"eventAction": "expiration", "eventDate": written}])

    assert parse_domain_answer(answer, domain="example.com", rdap_url=URL).expires_at == read


def test_an_answer_without_a_registrar_still_has_its_date() -> None:
    found = parse_domain_answer(_answer(entities="junk"), domain="example.com", rdap_url=URL)

    assert found.registrar is None


@pytest.mark.parametrize(
    "answer",
    [
        {"events": [{"eventAction": "registration", "eventDate": "1995-08-14T04:00:00Z"}]},
        {"events": [{"eventAction": "expiration", "eventDate": "next year"}]},
        {"events": "none"},
        {},
        ["not", "an", "object"],
    ],
)
def test_an_answer_without_a_usable_expiration_date_says_so(answer: Any) -> None:
    with pytest.raises(RdapError, match=r"example\.com .*(no expiration date|not a JSON)"):
        parse_domain_answer(answer, domain="example.com", rdap_url=URL)


# --- the verdict ----------------------------------------------------------------------


def test_a_domain_expiring_after_the_threshold_passes() -> None:
    expires = NOW + timedelta(days=14)

    assert domain_expiry_failure("example.com", expires, now=NOW, threshold_days=14) is None


def test_a_domain_expiring_within_the_threshold_fails_with_days_date_and_threshold() -> None:
    expires = NOW + timedelta(days=9, hours=3)

    assert domain_expiry_failure("example.com", expires, now=NOW, threshold_days=14) == (
        "domain example.com expires in 9 days (2027-01-03), threshold 14"
    )


def test_a_domain_expiring_within_a_day_counts_hours() -> None:
    expires = NOW + timedelta(hours=5)

    failure = domain_expiry_failure("example.com", expires, now=NOW, threshold_days=1)

    assert failure == "domain example.com expires in 5 hours (2026-12-25), threshold 1"


def test_an_expired_domain_fails_whatever_the_threshold() -> None:
    expires = NOW - timedelta(days=3)

    assert domain_expiry_failure("example.com", expires, now=NOW, threshold_days=1) == (
        "domain example.com expired 3 days ago (2026-12-22)"
    )
