"""The ping probe against real hosts (this machine, an address nobody answers for), and
its permission rules as pure functions (loss and round trips: tests/domain/test_verdicts.py)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest

from betteruptime.domain.messages import CheckJob
from betteruptime.probes.ping import (
    PING_GROUP_RANGE,
    PingProbe,
    not_permitted_message,
    unprivileged_ping_allowed,
)
from betteruptime.probes.registry import Probes

MakeJob = Callable[..., CheckJob]
# RFC 6666's discard-only prefix: packets sent there are dropped, never answered.
SILENT_ADDRESS = "100::1"


def _unprivileged_ping_allowed_here() -> bool:
    groups = {os.getegid(), *os.getgroups()}
    return unprivileged_ping_allowed(PING_GROUP_RANGE.read_text(), groups)


@pytest.fixture
def ping_job(make_job: MakeJob) -> MakeJob:
    def factory(url: str, **fields: object) -> CheckJob:
        defaults: dict[str, object] = {"ping_count": 3, "timeout_seconds": 2.0}
        return make_job(url, kind="ping", **{**defaults, **fields})

    return factory


async def test_it_reports_up_with_the_average_round_trip_when_the_host_answers(
    ping_job: MakeJob,
) -> None:
    # Whichever socket kind this machine allows (unprivileged ICMP, or raw as root).
    job = ping_job("icmp://127.0.0.1")

    result = await PingProbe().check(job)

    assert result.up, result.error
    assert result.error is None
    assert (result.monitor_id, result.region, result.due_at) == (7, "eu-west", job.due_at)
    assert result.response_time_ms is not None and 0 < result.response_time_ms < 100
    # Three packets with pauses between them: the total covers them all.
    assert result.timings.total_ms is not None and result.timings.total_ms > 2 * 0.1 * 1000
    assert result.timings.dns_ms is None  # an address: nothing to look up


async def test_it_times_the_lookup_of_a_host_name(ping_job: MakeJob) -> None:
    result = await PingProbe().check(ping_job("icmp://localhost", ping_count=1))

    assert result.up, result.error
    assert result.timings.dns_ms is not None and result.timings.dns_ms >= 0


async def test_it_reports_down_when_the_name_does_not_resolve(ping_job: MakeJob) -> None:
    result = await PingProbe().check(ping_job("icmp://no-such-host.invalid"))

    assert not result.up
    assert result.error is not None
    assert result.error.startswith("DNS lookup failed for no-such-host.invalid: ")
    assert result.response_time_ms is None


async def test_it_reports_total_loss_when_no_reply_comes_within_the_timeout(
    ping_job: MakeJob,
) -> None:
    job = ping_job(f"icmp://[{SILENT_ADDRESS}]", ping_count=5, timeout_seconds=1.0)
    started = time.perf_counter()

    result = await PingProbe().check(job)

    elapsed = time.perf_counter() - started
    assert not result.up
    assert result.error is not None
    assert result.error.startswith(f"no reply from {SILENT_ADDRESS}: 100% packet loss (5 of 5)")
    assert result.response_time_ms is None
    # Every packet waited, yet the check as a whole kept to the monitor's timeout (a
    # probe giving each packet the whole timeout would take 5 s; one overrunning by
    # its pauses between packets, 1.4 s).
    assert 0.9 < elapsed < 1.0 + 0.25


async def test_it_reports_down_when_the_average_round_trip_is_above_the_limit(
    ping_job: MakeJob,
) -> None:
    result = await PingProbe().check(ping_job("icmp://127.0.0.1", max_response_time_ms=0))

    assert not result.up
    assert result.error is not None
    assert result.error.startswith("average round trip ")
    assert result.error.endswith(" ms, expected at most 0 ms")
    assert result.response_time_ms is not None


async def test_it_says_how_to_allow_ping_when_the_kernel_refuses_icmp_sockets(
    ping_job: MakeJob,
) -> None:
    if _unprivileged_ping_allowed_here():
        pytest.skip("this machine lets our group open unprivileged ICMP sockets")
    # Unprivileged sockets only: refused here, as for a worker without CAP_NET_RAW.
    probe = PingProbe(privileged_modes=(False,))

    result = await probe.check(ping_job("icmp://127.0.0.1"))

    assert not result.up
    range_text = " ".join(PING_GROUP_RANGE.read_text().split())
    assert result.error == not_permitted_message(range_text, os.getegid())
    assert 'sysctl -w net.ipv4.ping_group_range="0 2147483647"' in result.error
    assert "CAP_NET_RAW" in result.error


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "icmp://", "icmp://[::1"])
async def test_it_reports_an_invalid_url(ping_job: MakeJob, url: str) -> None:
    result = await PingProbe().check(ping_job(url))

    assert not result.up
    assert result.error == "invalid URL, expected icmp://host"


async def test_the_worker_routes_ping_monitors_to_it(ping_job: MakeJob) -> None:
    probes = Probes()
    try:
        result = await probes.check(ping_job("icmp://127.0.0.1", ping_count=1))
    finally:
        await probes.close()

    assert result.up, result.error
    assert result.response_time_ms is not None


# The permission rules alone: no packets.


@pytest.mark.parametrize(
    ("range_text", "groups", "allowed"),
    [
        ("1\t0\n", [0, 1000], False),  # the kernel's default: nobody
        ("0\t2147483647\n", [1000], True),
        ("100 200", [50, 150], True),  # a supplementary group is enough
        ("100 200", [50, 250], False),
        ("garbage", [0], False),
    ],
)
def test_unprivileged_ping_follows_the_kernels_group_range(
    range_text: str, groups: list[int], allowed: bool
) -> None:
    assert unprivileged_ping_allowed(range_text, groups) is allowed
