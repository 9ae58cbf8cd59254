"""What the probes that open their own connections (tcp, tls) share: closing one
without hanging, and writing an address the way users read it."""

from __future__ import annotations

import asyncio

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
