"""Monitor URLs and DNS resolvers: the one parse behind saving a monitor and probing it
(domain/targets.py)."""

from __future__ import annotations

import re

import pytest

from betteruptime.domain.targets import (
    TargetError,
    has_certificate,
    resolver_address,
    split_target,
    target_address,
    target_host,
    url_problem,
)


def test_a_url_splits_into_lowercase_scheme_and_host_with_its_port() -> None:
    target = split_target("TCP://DB.Example.com:5432/x?y=1")

    assert (target.scheme, target.host, target.port, target.port_valid) == (
        "tcp",
        "db.example.com",
        5432,
        True,
    )
    assert (target.path, target.query) == ("/x", "y=1")


def test_an_ipv6_host_comes_without_brackets() -> None:
    assert split_target("icmp://[2001:DB8::1]").host == "2001:db8::1"


@pytest.mark.parametrize("url", ["tcp://host:99999", "tcp://host:port"])
def test_a_bad_port_reads_as_no_port_flagged_invalid(url: str) -> None:
    target = split_target(url)

    assert (target.port, target.port_valid) == (None, False)


def test_a_url_that_cannot_be_split_raises() -> None:
    with pytest.raises(ValueError):
        split_target("icmp://[::1")


@pytest.mark.parametrize(
    ("kind", "url", "address"),
    [
        ("tcp", "tcp://db.example.com:5432", ("db.example.com", 5432)),
        ("tls", "https://example.com/", ("example.com", 443)),
        ("tls", "https://example.com:8443/health", ("example.com", 8443)),
    ],
)
def test_a_probe_connects_to_the_urls_port_or_the_kinds_default(
    kind: str, url: str, address: tuple[str, int]
) -> None:
    assert target_address(kind, url) == address


@pytest.mark.parametrize(
    ("kind", "url", "host"),
    [
        ("ping", "icmp://Example.com", "example.com"),
        ("dns", "dns://www.example.com", "www.example.com"),
    ],
)
def test_ping_and_dns_probes_take_the_host(kind: str, url: str, host: str) -> None:
    assert target_host(kind, url) == host


@pytest.mark.parametrize(
    ("kind", "url", "message"),
    [
        ("tcp", "tcp://db.example.com", "invalid URL, expected tcp://host:port"),
        ("tcp", "http://db.example.com:5432", "invalid URL, expected tcp://host:port"),
        ("tcp", "tcp://db.example.com:70000", "invalid URL, expected tcp://host:port"),
        ("tls", "tcp://example.com:443", "invalid URL, expected https://host[:port]"),
        ("tls", "https://", "invalid URL, expected https://host[:port]"),
        ("tls", "https://host:99999/", "invalid URL, expected https://host[:port]"),
        ("ping", "http://127.0.0.1/", "invalid URL, expected icmp://host"),
        ("ping", "icmp://[::1", "invalid URL, expected icmp://host"),
        ("dns", "dns://", "invalid URL, expected dns://name"),
    ],
)
def test_a_url_a_probe_cannot_check_is_refused_with_the_kinds_form(
    kind: str, url: str, message: str
) -> None:
    parse = target_address if kind in ("tcp", "tls") else target_host
    with pytest.raises(TargetError, match=re.escape(message)):
        parse(kind, url)


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("1.1.1.1", ("1.1.1.1", 53)),
        ("1.1.1.1:5353", ("1.1.1.1", 5353)),
        ("[::1]:5353", ("::1", 5353)),
        ("[::1]", ("::1", 53)),
        ("2001:db8::53", ("2001:db8::53", 53)),
    ],
)
def test_a_resolver_is_an_ip_with_port_53_unless_given(
    value: str, address: tuple[str, int]
) -> None:
    assert resolver_address(value) == address


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("dns.google", "must be an IP address, optionally with :port"),
        ("1.1.1.1:70000", "has an invalid port number"),
        ("1.1.1.1:0", "has an invalid port number"),
        ("1.1.1.1:", "has an invalid port number"),
    ],
)
def test_a_resolver_that_is_not_ip_and_port_is_refused_saying_why(value: str, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        resolver_address(value)


@pytest.mark.parametrize(
    ("kind", "url", "problem"),
    [
        ("http", "https://example.com/", None),
        ("tcp", "tcp://db.example.com:5432", None),
        ("heartbeat", None, None),
        ("heartbeat", "https://example.com/", 'a monitor of kind "heartbeat" has no url'),
        ("tcp", None, 'is required for a monitor of kind "tcp", as in tcp://db.example.com:5432'),
        (
            "tls",
            "http://example.com/",
            'must be a https:// URL for a monitor of kind "tls", as in https://example.com/',
        ),
        (
            "tcp",
            "tcp://db.example.com",
            "must name the port to connect to, as in tcp://db.example.com:5432",
        ),
        ("tcp", "tcp://db.example.com:99999", "has an invalid port number"),
        ("ping", "icmp://example.com/path", "takes a host only, as in icmp://example.com"),
        ("dns", "dns://exa mple.com", "must name a valid DNS name, as in dns://example.com"),
    ],
)
def test_url_problem_says_why_a_url_does_not_fit_its_kind(
    kind: str, url: str | None, problem: str | None
) -> None:
    assert url_problem(kind, url) == problem


def test_only_https_urls_have_a_certificate() -> None:
    assert has_certificate("HTTPS://example.com/")
    assert not has_certificate("http://example.com/")
