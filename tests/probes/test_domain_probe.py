"""The domain probe against a registry on loopback (testkit/rdap_server.py): the IANA
bootstrap file, RDAP domain answers, their errors, and what the worker keeps in memory
(12 h per answer, 10 min per failure, the last answer when a refresh fails)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from betteruptime.domain.addresses import TargetPolicy
from betteruptime.domain.messages import CheckJob, CheckResult
from betteruptime.probes.domain import DomainProbe, merge_domain
from betteruptime.probes.rdap import ANSWER_TTL, FAILURE_TTL, RdapClient
from betteruptime.probes.registry import Probes
from testkit.rdap_server import RdapServer

MakeJob = Callable[..., CheckJob]
IN_30_DAYS = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30, hours=1)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def registry() -> AsyncIterator[RdapServer]:
    server = RdapServer(tlds=("test", "example"))
    server.register("shop.test", IN_30_DAYS)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def probe(registry: RdapServer, clock: Clock) -> AsyncIterator[DomainProbe]:
    domain = DomainProbe(RdapClient(bootstrap_url=registry.bootstrap_url, clock=clock))
    yield domain
    await domain.close()


def domain_job(make_job: MakeJob, url: str = "domain://shop.test", **fields: object) -> CheckJob:
    return make_job(
        url, **{"kind": "domain", "domain_expiry_days": 14, "timeout_seconds": 2, **fields}
    )


async def test_a_domain_registered_beyond_the_threshold_is_up_with_its_registration(
    probe: DomainProbe, registry: RdapServer, make_job: MakeJob
) -> None:
    result = await probe.check(domain_job(make_job))

    assert result.up, result.error
    assert result.domain_expires_at == IN_30_DAYS
    assert result.details is not None
    assert result.details["domain"] == "shop.test"
    assert result.details["expires_at"] == IN_30_DAYS.isoformat()
    assert result.details["registrar"] == "Example Registrar, Inc."
    assert result.details["rdap_url"] == f"http://127.0.0.1:{registry.port}/rdap/domain/shop.test"
    assert "refresh_error" not in result.details
    assert registry.queries == ["shop.test"]


async def test_a_domain_expiring_within_the_threshold_is_down_saying_when(
    probe: DomainProbe, make_job: MakeJob
) -> None:
    result = await probe.check(domain_job(make_job, domain_expiry_days=45))

    assert not result.up
    assert result.error == (
        f"domain shop.test expires in 30 days ({IN_30_DAYS.date().isoformat()}), threshold 45"
    )
    assert result.domain_expires_at == IN_30_DAYS  # still says when


async def test_a_name_under_the_domain_is_checked_as_its_registrable_domain(
    probe: DomainProbe, registry: RdapServer, make_job: MakeJob
) -> None:
    result = await probe.check(domain_job(make_job, "domain://www.eu.shop.test"))

    assert result.up, result.error
    assert registry.queries == ["shop.test"]


async def test_an_unknown_domain_says_the_registry_has_no_such_domain(
    probe: DomainProbe, registry: RdapServer, make_job: MakeJob
) -> None:
    result = await probe.check(domain_job(make_job, "domain://nobody.test"))

    assert not result.up
    url = f"http://127.0.0.1:{registry.port}/rdap/domain/nobody.test"
    assert result.error == f"the registry has no domain nobody.test: {url} answered 404 Not Found"


async def test_a_tld_without_an_rdap_server_says_so(
    probe: DomainProbe, registry: RdapServer, make_job: MakeJob
) -> None:
    result = await probe.check(domain_job(make_job, "domain://example.zz"))

    assert result.error == (
        "no RDAP server is known for .zz (IANA bootstrap file): its registry does not "
        "publish registrations over RDAP"
    )
    assert registry.queries == []


async def test_a_slow_registry_times_out_with_the_monitors_timeout(
    probe: DomainProbe, registry: RdapServer, make_job: MakeJob
) -> None:
    registry.delay = 2

    result = await probe.check(domain_job(make_job, timeout_seconds=0.3))

    assert result.error == "RDAP lookup of shop.test timed out after 0.3 s"


async def test_a_registry_error_status_is_named(
    probe: DomainProbe, registry: RdapServer, make_job: MakeJob
) -> None:
    registry.status = 503

    result = await probe.check(domain_job(make_job))

    url = f"http://127.0.0.1:{registry.port}/rdap/domain/shop.test"
    assert result.error == (
        f"the RDAP answer for shop.test could not be had: {url} answered HTTP 503 "
        "Service Unavailable"
    )


async def test_an_unreachable_bootstrap_file_is_named(make_job: MakeJob, refused_port: int) -> None:
    url = f"http://127.0.0.1:{refused_port}/dns.json"
    probe = DomainProbe(RdapClient(bootstrap_url=url))
    try:
        result = await probe.check(domain_job(make_job))
    finally:
        await probe.close()

    assert result.error is not None
    assert result.error.startswith("could not reach the RDAP server 127.0.0.1: ")


async def test_the_answer_is_kept_12_hours_then_asked_again(
    probe: DomainProbe, registry: RdapServer, clock: Clock, make_job: MakeJob
) -> None:
    for _ in range(3):
        assert (await probe.check(domain_job(make_job))).up
    clock.now += ANSWER_TTL - 1
    assert (await probe.check(domain_job(make_job))).up
    assert registry.queries == ["shop.test"]

    clock.now += 1
    assert (await probe.check(domain_job(make_job))).up

    assert registry.queries == ["shop.test", "shop.test"]
    assert registry.bootstrap_requests == 1  # kept a day


async def test_checks_of_one_domain_at_the_same_time_share_one_request(
    probe: DomainProbe, registry: RdapServer, make_job: MakeJob
) -> None:
    registry.delay = 0.2

    results = await asyncio.gather(*(probe.check(domain_job(make_job)) for _ in range(20)))

    assert all(result.up for result in results)
    assert registry.queries == ["shop.test"]


async def test_a_failure_is_kept_10_minutes(
    probe: DomainProbe, registry: RdapServer, clock: Clock, make_job: MakeJob
) -> None:
    job = domain_job(make_job, "domain://later.test")
    assert not (await probe.check(job)).up
    clock.now += FAILURE_TTL - 1
    assert not (await probe.check(job)).up
    assert registry.queries == ["later.test"]

    registry.register("later.test", IN_30_DAYS)
    clock.now += 1

    assert (await probe.check(job)).up
    assert registry.queries == ["later.test", "later.test"]


async def test_when_a_refresh_fails_the_last_answer_is_used_and_the_failure_shown(
    probe: DomainProbe, registry: RdapServer, clock: Clock, make_job: MakeJob
) -> None:
    assert (await probe.check(domain_job(make_job))).up
    registry.status = 503
    clock.now += ANSWER_TTL

    result = await probe.check(domain_job(make_job))

    assert result.up, result.error
    assert result.domain_expires_at == IN_30_DAYS
    assert result.details is not None
    assert "answered HTTP 503" in result.details["refresh_error"]


async def test_the_registry_is_asked_only_where_the_target_policy_allows(
    registry: RdapServer, make_job: MakeJob
) -> None:
    probes = Probes(TargetPolicy(block_private=True), rdap_bootstrap_url=registry.bootstrap_url)
    try:
        result = await probes.check(domain_job(make_job))
    finally:
        await probes.close()

    assert not result.up
    assert result.error is not None
    assert "refused: 127.0.0.1 is a loopback, private or reserved address" in result.error
    assert registry.bootstrap_requests == 0


async def test_the_worker_sends_domain_jobs_to_the_domain_probe(
    registry: RdapServer, make_job: MakeJob
) -> None:
    probes = Probes(rdap_bootstrap_url=registry.bootstrap_url)
    try:
        result = await probes.check(domain_job(make_job))
    finally:
        await probes.close()

    assert result.up, result.error
    assert result.response_time_ms is None  # the registry's speed is not the domain's


async def test_an_http_monitor_with_domain_expiry_days_checks_its_hosts_domain_too(
    registry: RdapServer, make_job: MakeJob
) -> None:
    # www.shop.test does not resolve here: the HTTP check fails on DNS, and the domain
    # check, which needs no address of the host, still reports the registration.
    probes = Probes(rdap_bootstrap_url=registry.bootstrap_url)
    job = make_job("http://www.shop.test/health", timeout_seconds=2, domain_expiry_days=60)
    try:
        result = await probes.check(job)
    finally:
        await probes.close()

    assert not result.up
    assert result.error is not None
    errors = result.error.split("; ")
    assert errors[0].startswith("DNS lookup failed for www.shop.test")
    assert errors[1].startswith("domain shop.test expires in 30 days")
    assert result.domain_expires_at == IN_30_DAYS
    assert result.details is not None and result.details["domain"] == "shop.test"
    assert registry.queries == ["shop.test"]


async def test_an_http_monitor_without_domain_expiry_days_never_asks_the_registry(
    registry: RdapServer, make_job: MakeJob, refused_port: int
) -> None:
    probes = Probes(rdap_bootstrap_url=registry.bootstrap_url)
    try:
        result = await probes.check(make_job(f"http://127.0.0.1:{refused_port}/"))
    finally:
        await probes.close()

    assert result.details is None and result.domain_expires_at is None
    assert registry.bootstrap_requests == 0 and registry.queries == []


def _result(up: bool, error: str | None = None, **more: object) -> CheckResult:
    now = datetime.now(UTC)
    return CheckResult(
        monitor_id=1, region="eu", due_at=now, checked_at=now, up=up, error=error, **more
    )


def test_a_merged_result_is_down_when_either_check_is_and_keeps_the_http_figures() -> None:
    http = _result(True, response_time_ms=12.5, status_code=200, details={"steps": []})
    domain = _result(
        False, "domain a.test expires in 2 days (…), threshold 14", domain_expires_at=IN_30_DAYS
    )
    domain = domain.model_copy(update={"details": {"domain": "a.test"}})

    merged = merge_domain(http, domain)

    assert not merged.up
    assert merged.error == "domain a.test expires in 2 days (…), threshold 14"
    assert merged.status_code == 200 and merged.response_time_ms == 12.5
    assert merged.details == {"steps": [], "domain": "a.test"}
    assert merged.domain_expires_at == IN_30_DAYS


def test_a_merged_result_names_both_failures_in_order() -> None:
    merged = merge_domain(_result(False, "HTTP 503"), _result(False, "domain expired"))

    assert merged.error == "HTTP 503; domain expired"
    assert merge_domain(_result(True), _result(True)).up
