"""The TCP probe: connect to host:port, optionally send text and wait for an expected reply.

Used for the `tcp` monitor kind (`tcp://host:port`). The name is resolved before the
connection, apart from it, so the timing breakdown shows DNS and connect separately and
the target policy (the SSRF guard) judges the very addresses that are connected to.
Every check opens its own connection and closes it before returning.
"""

from __future__ import annotations

import asyncio
import errno
from dataclasses import dataclass, field
from datetime import datetime

import aiohappyeyeballs

from betteruptime.domain.addresses import TargetPolicy
from betteruptime.domain.messages import CheckJob, CheckResult, ProbeSpec
from betteruptime.domain.targets import target_address
from betteruptime.domain.verdicts import quote, response_time_failure
from betteruptime.probes.results import CheckFailed, Stopwatch, guarded, make_result
from betteruptime.probes.streams import close_stream, host_port, resolve

# The most of a reply read while looking for tcp_expect: enough for any banner or
# status line, small enough that a server streaming data cannot hold a worker's memory.
MAX_REPLY_BYTES = 64 * 1024
# When a name has several addresses, the next one is tried after this delay while the
# first attempt is still pending (RFC 8305's recommended 250 ms), so one dead address
# does not use up the whole timeout.
HAPPY_EYEBALLS_DELAY = 0.25


@dataclass
class _Attempt(Stopwatch):
    """One check's marks and phase, and the reply bytes read so far."""

    received: bytearray = field(default_factory=bytearray)


class TcpProbe:
    """Checks `tcp://host:port` targets.

    `tcp_send` is sent as UTF-8, exactly as given (add the "\\n" or "\\r\\n" the protocol
    wants). With `tcp_expect`, the reply is read until it contains that text, for at most
    MAX_REPLY_BYTES and within the monitor's timeout; without it, a connection (and the
    send, if any) is enough. `policy`, when given, refuses addresses the SSRF guard forbids.
    """

    def __init__(self, policy: TargetPolicy | None = None) -> None:
        self._policy = policy

    async def close(self) -> None:
        """Nothing to release: every check closes its own connection."""

    async def check(self, job: CheckJob) -> CheckResult:
        """Run one check. Never raises (except on cancellation): failures are results."""
        attempt = _Attempt()
        return await guarded(
            job, lambda checked_at: self._judge(job, checked_at, attempt), timings=attempt.timings
        )

    async def _judge(self, job: CheckJob, checked_at: datetime, attempt: _Attempt) -> CheckResult:
        spec = job.spec
        mismatch = await self._check(spec, attempt)
        timings = attempt.timings()
        took_ms = timings.total_ms or 0.0
        failures = [f for f in (mismatch, response_time_failure(spec, took_ms)) if f]
        return make_result(
            job,
            checked_at,
            up=not failures,
            # Set even when the reply was wrong: a reply came, and this is how long it took.
            response_time_ms=timings.total_ms,
            error="; ".join(failures) or None,
            timings=timings,
        )

    async def _check(self, spec: ProbeSpec, attempt: _Attempt) -> str | None:
        """Connect and converse; returns the failed expectation, if any.

        Raises CheckFailed for everything that ends the check without a full conversation.
        """
        host, port = target_address("tcp", spec.url)
        writer: asyncio.StreamWriter | None = None
        try:
            async with asyncio.timeout(spec.timeout_seconds):
                addresses = await resolve(host, port, attempt, self._policy)
                reader, writer = await _connect(addresses, attempt)
                return await _converse(spec, reader, writer, attempt)
        # TimeoutError is an OSError too: it has to come first.
        except TimeoutError:
            raise CheckFailed(_timed_out(spec, host, port, attempt)) from None
        except OSError as exc:
            raise CheckFailed(_describe(exc, host, port, attempt)) from None
        finally:
            # Marked before closing: winding the connection down is not the target's time.
            attempt.mark("done")
            if writer is not None:
                await close_stream(writer)


async def _connect(
    addresses: list[aiohappyeyeballs.AddrInfoType], attempt: _Attempt
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    attempt.mark("connect_start", "connecting")
    sock = await aiohappyeyeballs.start_connection(
        addresses, happy_eyeballs_delay=HAPPY_EYEBALLS_DELAY
    )
    attempt.mark("connect_end", "connected")
    try:
        return await asyncio.open_connection(sock=sock, limit=MAX_REPLY_BYTES)
    except BaseException:
        sock.close()
        raise


async def _converse(
    spec: ProbeSpec,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    attempt: _Attempt,
) -> str | None:
    """Send tcp_send, then read until tcp_expect; returns why the reply did not do."""
    if spec.tcp_send is not None:
        attempt.phase = "sending"
        writer.write(spec.tcp_send.encode())
        await writer.drain()
    if spec.tcp_expect is None:
        return None
    attempt.phase = "waiting for the reply"
    # Searched as bytes, so a UTF-8 character split across two reads still matches.
    expect = spec.tcp_expect.encode()
    received = attempt.received
    while len(received) < MAX_REPLY_BYTES:
        chunk = await reader.read(MAX_REPLY_BYTES - len(received))
        if not chunk:
            if not received:
                return (
                    f"expected {quote(spec.tcp_expect)} in the reply, the server closed "
                    "the connection without sending anything"
                )
            return f"expected {quote(spec.tcp_expect)} in the reply, got {_shown(received)}"
        attempt.mark("first_byte")
        # Only the tail that could hold a match spanning the previous read is searched again.
        start = max(0, len(received) - len(expect) + 1)
        received += chunk
        if received.find(expect, start) != -1:
            return None
    return (
        f"expected {quote(spec.tcp_expect)} in the first {MAX_REPLY_BYTES // 1024} KiB "
        f"of the reply, got {_shown(received)}"
    )


def _shown(data: bytearray) -> str:
    return quote(data.decode("utf-8", errors="replace"))


def _timed_out(spec: ProbeSpec, host: str, port: int, attempt: _Attempt) -> str:
    after = f"timed out after {spec.timeout_seconds:g} s"
    if attempt.phase == "waiting for the reply" and spec.tcp_expect is not None:
        expected = quote(spec.tcp_expect)
        if not attempt.received:
            return f"{after} waiting for a reply containing {expected}"
        # Something came, just not the expected text: that is the news, not the wait.
        return (
            f"expected {expected} in the reply, got {_shown(attempt.received)} "
            f"(nothing more within {spec.timeout_seconds:g} s)"
        )
    if attempt.phase == "connecting":
        return f"{after} connecting to {host_port(host, port)}"
    return f"{after} ({attempt.phase})"


def _describe(exc: OSError, host: str, port: int, attempt: _Attempt) -> str:
    """A short error text for a network error: what failed and where, no traceback."""
    where = host_port(host, port)
    if isinstance(exc, ConnectionRefusedError) or exc.errno == errno.ECONNREFUSED:
        return f"connection refused by {where}"
    if attempt.phase == "connecting":
        return f"could not connect to {where}: {exc.strerror or exc}"
    if isinstance(exc, ConnectionResetError):
        return f"connection reset by {where} ({attempt.phase})"
    if isinstance(exc, BrokenPipeError):
        return f"connection closed by {where} ({attempt.phase})"
    return f"network error with {where} ({attempt.phase}): {exc.strerror or exc}"
