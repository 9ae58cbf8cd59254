"""The TCP probe against real local TCP servers: outcomes, timings and error texts."""

from __future__ import annotations

import gc
import re
import socket
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest

from betteruptime.domain.addresses import TargetPolicy
from betteruptime.domain.messages import CheckJob
from betteruptime.probes.registry import Probes
from betteruptime.probes.tcp import MAX_REPLY_BYTES, TcpProbe
from testkit.tcp_server import Behaviour, PingServer
from testkit.waiting import eventually

MakeJob = Callable[..., CheckJob]
StartServer = Callable[..., Awaitable[PingServer]]


@pytest.fixture
async def start_server() -> AsyncIterator[StartServer]:
    """Start a PingServer with the given behaviour; all are stopped after the test."""
    servers: list[PingServer] = []

    async def start(behaviour: Behaviour = "pong") -> PingServer:
        server = PingServer(behaviour)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
def tcp_job(make_job: MakeJob) -> MakeJob:
    """A tcp job; by default one that sends PING and waits for PONG."""

    def factory(url: str, **fields: object) -> CheckJob:
        defaults: dict[str, object] = {
            "tcp_send": "PING\n",
            "tcp_expect": "PONG",
            "timeout_seconds": 2.0,
        }
        return make_job(url, kind="tcp", **{**defaults, **fields})

    return factory


async def test_it_reports_up_when_the_expected_reply_comes(
    start_server: StartServer, tcp_job: MakeJob
) -> None:
    server = await start_server()
    # By name, so the DNS lookup happens and is timed.
    job = tcp_job(f"tcp://localhost:{server.port}")

    result = await TcpProbe().check(job)

    assert result.up, result.error
    assert result.error is None
    assert (result.monitor_id, result.region, result.due_at) == (7, "eu-west", job.due_at)
    assert server.received == [b"PING\n"]
    timings = result.timings
    assert timings.dns_ms is not None and timings.connect_ms is not None
    assert timings.first_byte_ms is not None and timings.total_ms is not None
    assert timings.dns_ms + timings.connect_ms <= timings.first_byte_ms <= timings.total_ms
    assert timings.tls_ms is None
    assert result.response_time_ms == timings.total_ms


async def test_it_closes_its_connection_after_the_check(
    start_server: StartServer, tcp_job: MakeJob
) -> None:
    server = await start_server()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await TcpProbe().check(tcp_job(server.url))
        gc.collect()

    # A socket left for the garbage collector to close warns "unclosed transport".
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]

    async def closed() -> bool:
        return server.closed_by_client == 1

    await eventually(closed, within=2, what="the server to read the probe's FIN")


async def test_a_connection_alone_is_enough_without_send_or_expect(
    start_server: StartServer, make_job: MakeJob
) -> None:
    server = await start_server("silent")

    result = await TcpProbe().check(make_job(server.url, kind="tcp"))

    assert result.up, result.error
    assert server.received == []
    # An IP address needs no lookup, and nothing was read.
    assert result.timings.dns_ms is None and result.timings.first_byte_ms is None
    assert result.timings.connect_ms is not None


async def test_it_waits_for_a_banner_without_sending_anything(
    start_server: StartServer, tcp_job: MakeJob
) -> None:
    server = await start_server("banner")

    result = await TcpProbe().check(tcp_job(server.url, tcp_send=None, tcp_expect="220 "))

    assert result.up, result.error
    assert server.received == []


async def test_it_finds_a_reply_that_arrives_in_two_pieces(
    start_server: StartServer, tcp_job: MakeJob
) -> None:
    server = await start_server("split")

    result = await TcpProbe().check(tcp_job(server.url))

    assert result.up, result.error


async def test_it_reports_connection_refused_on_a_closed_port(
    refused_port: int, tcp_job: MakeJob
) -> None:
    result = await TcpProbe().check(tcp_job(f"tcp://127.0.0.1:{refused_port}"))

    assert not result.up
    assert result.error == f"connection refused by 127.0.0.1:{refused_port}"
    assert result.response_time_ms is None
    assert result.timings.connect_ms is None
    assert result.timings.total_ms is not None


async def test_it_reports_a_wrong_reply_quoting_it(
    start_server: StartServer, tcp_job: MakeJob
) -> None:
    server = await start_server("error")

    result = await TcpProbe().check(tcp_job(server.url))

    assert not result.up
    assert result.error == "expected 'PONG' in the reply, got 'ERR unknown command\\n'"
    # A reply came, so how long it took is known.
    assert result.response_time_ms is not None


async def test_it_times_out_within_the_monitor_timeout_when_no_reply_comes(
    start_server: StartServer, tcp_job: MakeJob
) -> None:
    server = await start_server("silent")
    started = time.perf_counter()

    result = await TcpProbe().check(tcp_job(server.url, timeout_seconds=0.5))

    elapsed = time.perf_counter() - started
    assert not result.up
    assert result.error == "timed out after 0.5 s waiting for a reply containing 'PONG'"
    assert 0.45 <= elapsed < 1.5
    assert result.response_time_ms is None
    assert result.timings.total_ms is not None and 450 <= result.timings.total_ms < 1000


@pytest.fixture
def unanswered_port() -> Iterator[int]:
    """A port whose listener never accepts and whose queue is full: Linux then drops new
    SYNs, so a connection attempt hangs, as with a firewall that drops packets."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port: int = listener.getsockname()[1]
    fillers = [socket.socket() for _ in range(3)]
    for filler in fillers:
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
    yield port
    for sock in [*fillers, listener]:
        sock.close()


async def test_it_times_out_connecting_to_a_port_that_never_answers(
    unanswered_port: int, tcp_job: MakeJob
) -> None:
    result = await TcpProbe().check(
        tcp_job(f"tcp://127.0.0.1:{unanswered_port}", timeout_seconds=0.5)
    )

    assert not result.up
    assert result.error == f"timed out after 0.5 s connecting to 127.0.0.1:{unanswered_port}"
    assert result.timings.connect_ms is None
    assert result.timings.total_ms is not None and 450 <= result.timings.total_ms < 1000


async def test_a_wrong_reply_on_a_connection_left_open_is_reported_at_the_timeout(
    start_server: StartServer, tcp_job: MakeJob
) -> None:
    # The server says something else and keeps listening: only the timeout ends the wait.
    server = await start_server("banner")

    result = await TcpProbe().check(tcp_job(server.url, tcp_send=None, timeout_seconds=0.3))

    assert not result.up
    assert result.error == (
        "expected 'PONG' in the reply, got '220 ready\\r\\n' (nothing more within 0.3 s)"
    )


async def test_it_reports_a_server_that_hangs_up_without_a_word(
    start_server: StartServer, tcp_job: MakeJob
) -> None:
    server = await start_server("hang-up")

    result = await TcpProbe().check(tcp_job(server.url))

    assert not result.up
    assert result.error == (
        "expected 'PONG' in the reply, the server closed the connection without sending anything"
    )


async def test_it_reports_a_connection_reset(start_server: StartServer, tcp_job: MakeJob) -> None:
    server = await start_server("reset")

    result = await TcpProbe().check(tcp_job(server.url))

    assert not result.up
    assert result.error == f"connection reset by 127.0.0.1:{server.port} (waiting for the reply)"


async def test_it_reads_at_most_64_kib_looking_for_the_reply(
    start_server: StartServer, tcp_job: MakeJob
) -> None:
    server = await start_server("flood")
    started = time.perf_counter()

    result = await TcpProbe().check(tcp_job(server.url, timeout_seconds=5))

    assert not result.up
    # It gave up at the limit, not at the timeout, and quoted only the start.
    assert time.perf_counter() - started < 2
    assert result.error is not None
    assert result.error.startswith("expected 'PONG' in the first 64 KiB of the reply, got 'xxx")
    assert len(result.error) < 200
    assert MAX_REPLY_BYTES == 64 * 1024


async def test_a_slow_reply_fails_max_response_time(
    start_server: StartServer, tcp_job: MakeJob
) -> None:
    server = await start_server("slow")

    slow = await TcpProbe().check(tcp_job(server.url, max_response_time_ms=100))
    patient = await TcpProbe().check(tcp_job(server.url, max_response_time_ms=5000))

    assert not slow.up
    assert slow.error is not None
    assert re.fullmatch(r"response took (\d+) ms, expected at most 100 ms", slow.error)
    assert slow.response_time_ms is not None and slow.response_time_ms >= 300
    assert patient.up, patient.error


async def test_it_reports_a_dns_failure(tcp_job: MakeJob) -> None:
    result = await TcpProbe().check(tcp_job("tcp://no-such-host.invalid:80"))

    assert not result.up
    assert result.error is not None
    assert result.error.startswith("DNS lookup failed for no-such-host.invalid: ")
    assert result.timings.connect_ms is None


@pytest.mark.parametrize(
    "url", ["tcp://localhost", "http://localhost:80", "tcp://:80", "tcp://host:99999", "nonsense"]
)
async def test_a_bad_url_is_a_down_result_not_an_exception(url: str, tcp_job: MakeJob) -> None:
    result = await TcpProbe().check(tcp_job(url))

    assert not result.up
    assert result.error == "invalid URL, expected tcp://host:port"


async def test_the_target_policy_refuses_private_addresses_before_connecting(
    start_server: StartServer, tcp_job: MakeJob
) -> None:
    server = await start_server()
    probe = TcpProbe(policy=TargetPolicy(block_private=True))

    result = await probe.check(tcp_job(server.url))

    assert not result.up
    assert result.error is not None
    assert result.error.startswith("not connecting to 127.0.0.1: 127.0.0.1 is a loopback")
    assert server.connections == 0


async def test_the_registry_sends_tcp_monitors_to_the_tcp_probe(
    start_server: StartServer, tcp_job: MakeJob
) -> None:
    server = await start_server()
    probes = Probes()
    try:
        result = await probes.check(tcp_job(server.url))
    finally:
        await probes.close()

    assert result.up, result.error
    assert server.received == [b"PING\n"]
