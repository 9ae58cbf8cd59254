"""Polling for a condition with a deadline, saying what it waited for when it gives up."""

from __future__ import annotations

import asyncio
import inspect
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def eventually(
    probe: Callable[[], Awaitable[Any] | Any], *, within: float, what: str, every: float = 0.2
) -> Any:
    """Poll `probe` (a coroutine function, or a plain one) until it returns something true."""
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"timed out after {within} s waiting for {what}; last saw {last!r}")
