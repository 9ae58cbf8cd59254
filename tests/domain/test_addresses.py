"""The SSRF guard's address rules."""

from __future__ import annotations

import pytest

from betteruptime.domain.addresses import TargetPolicy, refusal

OPEN = TargetPolicy()
STRICT = TargetPolicy(block_private=True)
TRUSTING = TargetPolicy(allow_link_local=True)


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",
        "169.254.0.1",
        "fe80::1",
        "fe80::1%eth0",
        "fd00:ec2::254",
        "100.100.100.200",
        "::ffff:169.254.169.254",
    ],
)
def test_metadata_and_link_local_addresses_are_refused_by_default(address: str) -> None:
    reason = refusal(address, OPEN)

    assert reason is not None and "BETTERUPTIME_ALLOW_LINK_LOCAL_TARGETS" in reason
    assert refusal(address, TRUSTING) is None


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "::1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "fc00::1",
        "100.64.0.1",
        "0.0.0.0",
        "::",
        "240.0.0.1",
        "224.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_internal_ranges_are_refused_only_when_blocking_private_targets(address: str) -> None:
    reason = refusal(address, STRICT)

    assert reason is not None and "BETTERUPTIME_BLOCK_PRIVATE_TARGETS" in reason
    assert refusal(address, OPEN) is None


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1::1", "1.1.1.1"])
def test_public_addresses_are_always_allowed(address: str) -> None:
    assert refusal(address, STRICT) is None
    assert refusal(address, OPEN) is None


def test_something_that_is_not_an_address_is_refused() -> None:
    assert refusal("example.com", OPEN) == "example.com is not an IP address"
