"""Which network addresses checks and webhooks may connect to (the SSRF guard).

Decided on the address actually being connected to, after DNS, so a name that resolves
to a harmless address when saved and to the metadata service later (DNS rebinding) is
still refused. Two rules:

- link-local addresses, which is where cloud metadata services live (169.254.169.254,
  fd00:ec2::254 and the rest of 169.254.0.0/16 and fe80::/10), are always refused unless
  the operator allows them (BETTERUPTIME_ALLOW_LINK_LOCAL_TARGETS);
- loopback, private, shared (CGNAT), unspecified and reserved ranges are refused when
  BETTERUPTIME_BLOCK_PRIVATE_TARGETS is on: any deployment whose users are not all
  trusted, so nobody can probe the server's own network through it.

Pure: no I/O.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Metadata endpoints outside the link-local ranges: AWS's IPv6 one, Alibaba's.
_METADATA = (
    ipaddress.ip_network("fd00:ec2::254/128"),
    ipaddress.ip_network("100.100.100.200/32"),
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    block_private: bool = False
    allow_link_local: bool = False


def _plain(address: IPAddress) -> IPAddress:
    # ::ffff:169.254.169.254 is 169.254.169.254 to the kernel; judge it as such.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@functools.lru_cache(maxsize=4096)
def refusal(address: str, policy: TargetPolicy) -> str | None:
    """Why connecting to `address` (an IP, no port) is refused, or None if allowed.

    Cached: a worker connects to the same few addresses over and over, and parsing one
    is a measurable share of a check's CPU (py-spy, `python -m bench probes`)."""
    try:
        ip = _plain(ipaddress.ip_address(address.split("%", 1)[0]))
    except ValueError:
        return f"{address[:64]} is not an IP address"
    if not policy.allow_link_local and (
        ip.is_link_local or any(ip in network for network in _METADATA)
    ):
        return (
            f"{ip} is a link-local or cloud metadata address; refused unless "
            "BETTERUPTIME_ALLOW_LINK_LOCAL_TARGETS=true"
        )
    if policy.block_private and _is_internal(ip):
        return (
            f"{ip} is a loopback, private or reserved address; refused because "
            "BETTERUPTIME_BLOCK_PRIVATE_TARGETS=true"
        )
    return None


def _is_internal(ip: IPAddress) -> bool:
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_unspecified
        or ip.is_reserved
        or ip.is_multicast
        or (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED)
    )
