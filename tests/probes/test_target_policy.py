"""The SSRF guard in the probes: the worker refuses targets the policy forbids, on the
resolved address, whatever name led there."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from betteruptime.domain.addresses import TargetPolicy
from betteruptime.domain.messages import CheckJob
from betteruptime.probes.registry import Probes
from probes.conftest import LocalServer


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_a_loopback_http_target_is_refused_when_private_targets_are_blocked(
    http_server: LocalServer, make_job: Callable[..., CheckJob], host: str
) -> None:
    url = f"http://{host}:{http_server.port}/ok"
    strict, open_ = Probes(TargetPolicy(block_private=True)), Probes(TargetPolicy())
    try:
        refused = await strict.check(make_job(url))
        allowed = await open_.check(make_job(url))
    finally:
        await strict.close()
        await open_.close()

    assert not refused.up
    assert refused.error and "BETTERUPTIME_BLOCK_PRIVATE_TARGETS" in refused.error
    assert allowed.up, allowed.error


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("http", "http://169.254.169.254/latest/meta-data/"),
        ("tcp", "tcp://169.254.169.254:80"),
        ("tls", "https://169.254.169.254/"),
        ("ping", "icmp://169.254.169.254"),
    ],
)
async def test_the_metadata_address_is_refused_by_default_without_connecting(
    make_job: Callable[..., CheckJob], kind: str, url: str
) -> None:
    probes = Probes(TargetPolicy())
    try:
        result = await probes.check(make_job(url, kind=kind, timeout_seconds=5.0))
    finally:
        await probes.close()

    assert not result.up
    assert result.error and "link-local or cloud metadata" in result.error
    # Refused before any packet: far quicker than a connect timeout to a dead address.
    assert (result.response_time_ms or 0) < 1000


@pytest.mark.parametrize(
    ("kind", "url"),
    [("tls", "https://localhost:1/"), ("ping", "icmp://localhost"), ("tcp", "tcp://[::1]:1")],
)
async def test_loopback_is_refused_for_every_connecting_kind_when_private_targets_are_blocked(
    make_job: Callable[..., CheckJob], kind: str, url: str
) -> None:
    probes = Probes(TargetPolicy(block_private=True))
    try:
        result = await probes.check(make_job(url, kind=kind, timeout_seconds=5.0))
    finally:
        await probes.close()

    assert not result.up
    assert result.error and result.error.startswith("not connecting to ")
    assert "BETTERUPTIME_BLOCK_PRIVATE_TARGETS" in result.error
