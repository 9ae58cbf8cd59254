"""The DNS probe against a real DNS server (dnslib over UDP on 127.0.0.1): answers,
comparisons, error texts and timings."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

from betteruptime.domain.addresses import TargetPolicy
from betteruptime.domain.messages import CheckJob
from betteruptime.probes.dns import DnsProbe
from betteruptime.probes.registry import Probes
from testkit.dns_server import ZoneDnsServer, silent_udp_socket

MakeJob = Callable[..., CheckJob]


@pytest.fixture
def dns_job(make_job: MakeJob, dns_server: ZoneDnsServer) -> MakeJob:
    """A dns job asking the test server; keyword arguments are ProbeSpec fields."""

    def factory(url: str, record_type: str = "A", *expected: str, **fields: object) -> CheckJob:
        defaults: dict[str, object] = {"dns_resolver": dns_server.address, "timeout_seconds": 2.0}
        return make_job(
            url,
            kind="dns",
            dns_record_type=record_type,
            expected_values=list(expected),
            **{**defaults, **fields},
        )

    return factory


async def test_it_reports_up_when_every_expected_address_is_in_the_answer(
    dns_server: ZoneDnsServer, dns_job: MakeJob
) -> None:
    job = dns_job("dns://www.monitor.test", "A", "93.184.216.35", " 93.184.216.34 ")

    result = await DnsProbe().check(job)

    assert result.up, result.error
    assert result.error is None
    assert (result.monitor_id, result.region, result.due_at) == (7, "eu-west", job.due_at)
    assert dns_server.queries == [("www.monitor.test.", "A")]
    assert result.response_time_ms is not None and result.response_time_ms > 0
    assert result.timings.total_ms == result.response_time_ms == result.timings.dns_ms
    assert result.timings.connect_ms is None


async def test_no_expected_values_accepts_any_answer(dns_job: MakeJob) -> None:
    result = await DnsProbe().check(dns_job("dns://www.monitor.test", "AAAA"))

    assert result.up, result.error


async def test_a_changed_address_is_reported_with_what_came(
    dns_server: ZoneDnsServer, dns_job: MakeJob
) -> None:
    dns_server.set("www.monitor.test.", "A", ["1.2.3.4", "5.6.7.8"])

    result = await DnsProbe().check(dns_job("dns://www.monitor.test", "A", "93.184.216.34"))

    assert not result.up
    assert result.error == "expected 93.184.216.34, got 1.2.3.4, 5.6.7.8"
    # An answer came: its time is known even though it was the wrong one.
    assert result.response_time_ms is not None


async def test_only_the_missing_values_are_named_as_expected(dns_job: MakeJob) -> None:
    job = dns_job("dns://www.monitor.test", "A", "93.184.216.34", "10.0.0.1")

    result = await DnsProbe().check(job)

    assert result.error == "expected 10.0.0.1, got 93.184.216.34, 93.184.216.35"


@pytest.mark.parametrize(
    ("url", "record_type", "expected"),
    [
        ("dns://www.monitor.test", "AAAA", "2001:DB8:0:0::1"),
        ("dns://alias.monitor.test", "A", "93.184.216.34"),  # through the CNAME
        ("dns://alias.monitor.test", "CNAME", "WWW.Monitor.Test."),
        ("dns://monitor.test", "NS", "ns2.monitor.test."),
        ("dns://monitor.test", "MX", "10 MAIL.monitor.test."),
        ("dns://monitor.test", "MX", "backup.monitor.test"),
        ("dns://monitor.test", "TXT", "v=spf1 -all"),
        ("dns://monitor.test", "TXT", '"v=spf1 -all"'),
        ("dns://monitor.test", "TXT", "part one, part two"),  # two strings joined
        ("dns://Monitor.Test.", "MX", "mail.monitor.test"),
    ],
)
async def test_it_compares_values_in_their_normal_form(
    url: str, record_type: str, expected: str, dns_job: MakeJob
) -> None:
    result = await DnsProbe().check(dns_job(url, record_type, expected))

    assert result.up, result.error


async def test_an_mx_preference_given_must_match(dns_job: MakeJob) -> None:
    result = await DnsProbe().check(dns_job("dns://monitor.test", "MX", "20 mail.monitor.test"))

    assert not result.up
    assert result.error == (
        "expected 20 mail.monitor.test, got 10 mail.monitor.test, 20 backup.monitor.test"
    )


async def test_txt_values_are_compared_with_their_case(dns_job: MakeJob) -> None:
    result = await DnsProbe().check(dns_job("dns://monitor.test", "TXT", "V=SPF1 -ALL"))

    assert not result.up
    assert result.error == "expected 'V=SPF1 -ALL', got 'v=spf1 -all', 'part one, part two'"


async def test_it_reports_a_name_that_does_not_exist(dns_job: MakeJob) -> None:
    result = await DnsProbe().check(dns_job("dns://nope.monitor.test"))

    assert not result.up
    assert result.error == "nope.monitor.test does not exist (NXDOMAIN)"
    assert result.response_time_ms is None
    assert result.timings.total_ms is not None


async def test_it_reports_a_name_without_records_of_the_type(dns_job: MakeJob) -> None:
    result = await DnsProbe().check(dns_job("dns://monitor.test", "A"))

    assert not result.up
    assert result.error == "no A records for monitor.test"


async def test_it_reports_servfail(dns_server: ZoneDnsServer, dns_job: MakeJob) -> None:
    result = await DnsProbe().check(dns_job("dns://broken.monitor.test"))

    assert not result.up
    assert result.error == f"DNS resolver 127.0.0.1:{dns_server.port} answered SERVFAIL"


async def test_it_times_out_within_the_monitor_timeout(dns_job: MakeJob) -> None:
    with silent_udp_socket() as silent:
        port = silent.getsockname()[1]
        resolver = f"127.0.0.1:{port}"
        job = dns_job("dns://www.monitor.test", dns_resolver=resolver, timeout_seconds=0.5)
        started = time.perf_counter()

        result = await DnsProbe().check(job)

    assert not result.up
    assert result.error == f"DNS query timed out after 0.5 s (DNS resolver 127.0.0.1:{port})"
    assert 0.45 <= time.perf_counter() - started < 1.5
    assert result.timings.total_ms is not None and 450 <= result.timings.total_ms < 1000


async def test_a_slow_answer_fails_max_response_time(
    dns_server: ZoneDnsServer, dns_job: MakeJob
) -> None:
    dns_server.delay = 0.2

    slow = await DnsProbe().check(dns_job("dns://www.monitor.test", max_response_time_ms=50))
    patient = await DnsProbe().check(dns_job("dns://www.monitor.test", max_response_time_ms=5000))

    assert not slow.up
    assert slow.error is not None
    assert re.fullmatch(r"response took \d+ ms, expected at most 50 ms", slow.error)
    assert slow.response_time_ms is not None and slow.response_time_ms >= 200
    assert patient.up, patient.error


@pytest.mark.parametrize(
    ("url", "record_type", "error"),
    [
        ("https://www.monitor.test/", "A", "invalid URL, expected dns://name"),
        ("dns://", "A", "invalid URL, expected dns://name"),
        ("dns://www.monitor.test", "SOA", 'unsupported record type "SOA"'),
    ],
)
async def test_bad_input_is_a_down_result_not_an_exception(
    url: str, record_type: str, error: str, dns_job: MakeJob
) -> None:
    result = await DnsProbe().check(dns_job(url, record_type))

    assert not result.up
    assert result.error == error


async def test_the_target_policy_refuses_a_private_resolver_before_asking_it(
    dns_server: ZoneDnsServer, dns_job: MakeJob
) -> None:
    probe = DnsProbe(policy=TargetPolicy(block_private=True))

    result = await probe.check(dns_job("dns://www.monitor.test"))

    assert not result.up
    assert result.error is not None
    assert result.error.startswith("not querying DNS resolver 127.0.0.1: 127.0.0.1 is a loopback")
    assert dns_server.queries == []


async def test_the_registry_sends_dns_monitors_to_the_dns_probe(
    dns_server: ZoneDnsServer, dns_job: MakeJob
) -> None:
    probes = Probes()
    try:
        result = await probes.check(dns_job("dns://www.monitor.test", "A", "93.184.216.34"))
    finally:
        await probes.close()

    assert result.up, result.error
    assert dns_server.queries == [("www.monitor.test.", "A")]
