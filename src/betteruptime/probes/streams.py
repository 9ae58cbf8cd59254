"""What the probes that open their own connections (tcp, tls, ping) share: resolving a
name apart from connecting (so DNS is timed alone and the SSRF guard judges the very
addresses used), closing without hanging, and writing an address the way users read it."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence

import aiohappyeyeballs

from betteruptime.domain.addresses import TargetPolicy, refusal
from betteruptime.probes.results import CheckFailed, Stopwatch

# How long a polite close may take before the connection is reset instead.
CLOSE_SECONDS = 1.0


async def close_stream(writer: asyncio.StreamWriter | None) -> None:
    """Close politely (FIN, or TLS close_notify) when the peer answers in time, else
    reset: a stuck peer must not hold the check past its end."""
    if writer is None:
        return
    writer.close()
    try:
        async with asyncio.timeout(CLOSE_SECONDS):
            await writer.wait_closed()
    except (TimeoutError, OSError):  # stuck, or already reset by the peer
        writer.transport.abort()
    except asyncio.CancelledError:
        writer.transport.abort()
        raise


def host_port(host: str, port: int) -> str:
    """`host:port`, with brackets around an IPv6 address."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


async def resolve(
    host: str,
    port: int | None,
    watch: Stopwatch,
    policy: TargetPolicy | None,
    *,
    kind: socket.SocketKind = socket.SOCK_STREAM,
) -> list[aiohappyeyeballs.AddrInfoType]:
    """The addresses of `host` that `policy` allows; CheckFailed when the lookup fails
    or every address is refused. An IP literal needs no lookup, so dns_ms stays None."""
    literal = is_ip_literal(host)
    if not literal:
        watch.mark("dns_start", "DNS lookup")
    loop = asyncio.get_running_loop()
    try:
        # The loop's getaddrinfo runs in a thread: the system resolver blocks.
        infos = await loop.getaddrinfo(
            host, port, type=kind, flags=socket.AI_NUMERICHOST if literal else 0
        )
    except socket.gaierror as exc:
        raise CheckFailed(f"DNS lookup failed for {host}: {exc.strerror or exc}") from None
    if not literal:
        watch.mark("dns_end")
    return allowed_addresses(infos, host, policy)


def allowed_addresses(
    infos: Sequence[aiohappyeyeballs.AddrInfoType], host: str, policy: TargetPolicy | None
) -> list[aiohappyeyeballs.AddrInfoType]:
    """The addresses the SSRF guard allows; CheckFailed with its reason when none is."""
    if policy is None:
        return list(infos)
    reasons = [refusal(str(info[4][0]), policy) for info in infos]
    allowed = [info for info, reason in zip(infos, reasons, strict=True) if reason is None]
    if not allowed:
        first = next((reason for reason in reasons if reason), "no address")
        raise CheckFailed(f"not connecting to {host}: {first}")
    return allowed
