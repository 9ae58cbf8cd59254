"""The ping probe: ICMP echo requests to a host, judged by packet loss and round-trip time.

Used for the `ping` monitor kind (`icmp://host`). icmplib builds and matches the packets;
the send/receive loop is ours rather than icmplib's `async_ping`, because that one
swallows why a packet was lost (a router's "Destination host unreachable" becomes plain
loss) and waits its full per-packet timeout for every lost packet, so a dead host would
take `ping_count` times the monitor's timeout. Here the whole check fits in the timeout.

The name is resolved before pinging, apart from it, so `dns_ms` shows the lookup and the
round trips are the host's alone.

Sending ICMP needs one of two permissions from the kernel: an unprivileged ICMP socket
(Linux allows it when the process's group is in `net.ipv4.ping_group_range`) or a raw
socket (root, or CAP_NET_RAW). Both are tried, unprivileged first; a worker with neither
reports every ping check down with a message saying how to allow one.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from icmplib import (
    AsyncSocket,
    ICMPLibError,
    ICMPRequest,
    ICMPv4Socket,
    ICMPv6Socket,
    SocketPermissionError,
    TimeoutExceeded,
)
from icmplib.utils import unique_identifier

from betteruptime.domain.addresses import TargetPolicy
from betteruptime.domain.messages import CheckJob, CheckResult, ProbeSpec
from betteruptime.domain.targets import target_host
from betteruptime.domain.verdicts import Pings, ping_failures
from betteruptime.probes.results import CheckFailed, Stopwatch, guarded, make_result
from betteruptime.probes.streams import resolve

# Seconds between echo requests: the shortest interval `ping` grants unprivileged users,
# short enough that a check of a few packets takes well under a second.
PACKET_INTERVAL = 0.2
PING_GROUP_RANGE = Path("/proc/sys/net/ipv4/ping_group_range")
# What the kernel accepts as the widest group range: every group may ping.
ALL_GROUPS = "0 2147483647"


def unprivileged_ping_allowed(range_text: str, groups: Iterable[int]) -> bool:
    """Whether a process in `groups` may open unprivileged ICMP sockets, given the text
    of net.ipv4.ping_group_range ("low high"; the default "1 0" allows nobody)."""
    try:
        low, high = (int(part) for part in range_text.split())
    except ValueError:
        return False
    return any(low <= group <= high for group in groups)


def not_permitted_message(range_text: str | None, group: int) -> str:
    """What to tell the operator of a worker that may not send ICMP at all."""
    where = (
        f'its group {group} is outside net.ipv4.ping_group_range "{" ".join(range_text.split())}"'
        if range_text is not None
        else "this system does not offer them"
    )
    return (
        f"ping is not permitted for this worker: unprivileged ICMP sockets are off ({where}) "
        "and raw sockets need CAP_NET_RAW; allow one of them: "
        f'sysctl -w net.ipv4.ping_group_range="{ALL_GROUPS}", or run the worker with CAP_NET_RAW'
    )


class PingProbe:
    """Checks `icmp://host` targets with `ping_count` echo requests.

    `privileged_modes` are the socket kinds to try, in order (False: unprivileged ICMP
    socket, True: raw socket); the first that opens is remembered for later checks.
    `policy`, when given, refuses addresses the SSRF guard forbids before pinging.
    """

    def __init__(
        self,
        privileged_modes: Sequence[bool] = (False, True),
        policy: TargetPolicy | None = None,
    ) -> None:
        self._policy = policy
        self._modes = tuple(privileged_modes)
        self._working: bool | None = None

    async def close(self) -> None:
        """Nothing to release: every check closes its own socket."""

    async def check(self, job: CheckJob) -> CheckResult:
        """Run one check. Never raises (except on cancellation): failures are results."""
        watch = Stopwatch()
        return await guarded(
            job, lambda checked_at: self._judge(job, checked_at, watch), timings=watch.timings
        )

    async def _judge(self, job: CheckJob, checked_at: datetime, watch: Stopwatch) -> CheckResult:
        pings = await self._check(job.spec, watch)
        failures = ping_failures(job.spec, pings)
        return make_result(
            job,
            checked_at,
            up=not failures,
            response_time_ms=pings.average_ms,
            error="; ".join(failures) or None,
            timings=watch.timings(),
        )

    async def _check(self, spec: ProbeSpec, watch: Stopwatch) -> Pings:
        deadline = watch.marks["start"] + spec.timeout_seconds
        try:
            host = target_host("ping", spec.url)
            try:
                async with asyncio.timeout(spec.timeout_seconds):
                    address = await self._resolve(host, watch)
            except TimeoutError:
                after = f"{spec.timeout_seconds:g} s"
                raise CheckFailed(f"timed out after {after} (DNS lookup of {host})") from None
            return await self._ping(address, max(1, spec.ping_count), deadline)
        finally:
            watch.mark("done")

    async def _resolve(self, host: str, watch: Stopwatch) -> str:
        """The address to ping: `host` itself when it is one, else its first allowed IPv4
        address (IPv6 when it has none), as the `ping` command chooses."""
        infos = await resolve(host, None, watch, self._policy, kind=socket.SOCK_DGRAM)
        usable = [info for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)]
        if not usable:
            raise CheckFailed(f"DNS lookup failed for {host}: no IPv4 or IPv6 address")
        usable.sort(key=lambda info: info[0] != socket.AF_INET)
        return str(usable[0][4][0])

    async def _ping(self, address: str, count: int, deadline: float) -> Pings:
        budget = deadline - time.perf_counter()
        if budget <= 0:  # the lookup used it all: saying "no reply" would be wrong
            raise CheckFailed(f"timed out before pinging {address} (DNS lookup)")
        # Spacing is capped so that intervals take at most half of the budget; the rest
        # is waiting for replies.
        interval = min(PACKET_INTERVAL, budget / (2 * count))
        ident = unique_identifier()
        rtts: list[float] = []
        last_error: str | None = None
        with AsyncSocket(self._open_socket(address)) as sock:
            for sequence in range(count):
                if sequence:
                    await asyncio.sleep(interval)
                # Recomputed for every packet, so time a quick reply left over goes to
                # the packets after it, and the last one still ends by the deadline.
                left = count - sequence
                wait = (deadline - time.perf_counter() - interval * (left - 1)) / left
                request = ICMPRequest(destination=address, id=ident, sequence=sequence)
                try:
                    # send() looks the destination up again, synchronously: it is an IP
                    # address by now, so that lookup is a parse, not a query.
                    sock.send(request)
                    reply = await sock.receive(request, max(wait, 0.001))
                    reply.raise_for_status()
                except TimeoutExceeded:
                    continue
                except ICMPLibError as exc:  # an ICMP error back, or the send refused
                    last_error = str(exc)
                    continue
                rtts.append((reply.time - request.time) * 1000)
        return Pings(address=address, sent=count, rtts_ms=rtts, last_error=last_error)

    def _open_socket(self, address: str) -> ICMPv4Socket | ICMPv6Socket:
        socket_class = ICMPv6Socket if ":" in address else ICMPv4Socket
        # The kind that worked last time first, so a working worker tries only one.
        order = self._modes
        if self._working is not None:
            order = (self._working, *(mode for mode in self._modes if mode != self._working))
        for privileged in order:
            try:
                opened = socket_class(None, privileged)
            except SocketPermissionError:
                continue
            except ICMPLibError as exc:
                raise CheckFailed(f"could not open an ICMP socket: {exc}") from None
            self._working = privileged
            return opened
        self._working = None
        raise CheckFailed(_explain_not_permitted())


def _explain_not_permitted() -> str:
    try:
        # A procfs read answers from memory: no disk wait in the event loop.
        range_text: str | None = PING_GROUP_RANGE.read_text()
    except OSError:
        range_text = None
    return not_permitted_message(range_text, os.getegid())
