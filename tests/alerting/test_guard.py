"""The SSRF guard on notifications: every destination of every Apprise plugin (HTTP, SMTP,
UDP, TCP) is reached only where the target policy allows, judged on the resolved address,
before any packet leaves; everything outside a guarded send is left alone.

Each transport family has a real listener on loopback. `socket_attempts` (an audit hook)
sees every connect and datagram as it reaches the operating system, so "nothing was
attempted" is observed, not inferred from a timeout; it also stops any attempt to reach
the real metadata service, so a regression fails at once instead of waiting on it."""

from __future__ import annotations

import asyncio
import errno
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

import pytest

from betteruptime.alerting.guard import guarded
from betteruptime.alerting.render import render_test
from betteruptime.alerting.sender import AppriseSender
from betteruptime.domain.addresses import TargetPolicy
from testkit.irc_server import IrcServer
from testkit.receivers import WebhookReceiver
from testkit.smtp import SmtpServer
from testkit.syslog_receiver import SyslogReceiver
from testkit.tripwire import socket_attempts
from testkit.waiting import eventually

METADATA = "169.254.169.254"
# Plenty for a message already written to a loopback socket to be read by its listener.
ARRIVAL_SECONDS = 5.0


@dataclass
class Listener:
    """A real server on 127.0.0.1 and the channel URL that reaches it through `host`."""

    port: int
    url: Callable[[str], str]
    arrived: Callable[[], int]


@pytest.fixture
def http_hook(webhook: WebhookReceiver) -> Listener:
    """The root `webhook` receiver, as a listener."""
    return Listener(
        webhook.port,
        lambda host: f"json://{host}:{webhook.port}/hook",
        lambda: len(webhook.received),
    )


@pytest.fixture
def mail_server() -> Iterator[Listener]:
    server = SmtpServer()
    server.start()
    local = f"{server.host}:{server.port}"
    yield Listener(
        server.port,
        lambda host: server.url().replace(local, f"{host}:{server.port}"),
        lambda: len(server.mails()),
    )
    server.stop()


@pytest.fixture
def syslog() -> Iterator[Listener]:
    receiver = SyslogReceiver()
    yield Listener(
        receiver.port, lambda host: receiver.url(host=host), lambda: len(receiver.received())
    )
    receiver.close()


@pytest.fixture
async def irc() -> AsyncIterator[Listener]:
    server = IrcServer()
    await server.start()
    yield Listener(server.port, lambda host: server.url(host=host), lambda: server.deliveries)
    await server.stop()


async def _check_family(listener: Listener) -> None:
    """(a) blocked private targets: refused, nothing reaches the listener, nothing is even
    attempted; (b) by default: delivered; (c) the metadata address: refused by default,
    with its reason, before any packet."""
    strict = AppriseSender(policy=TargetPolicy(block_private=True))
    default = AppriseSender(policy=TargetPolicy())

    with socket_attempts() as attempts:
        # "localhost" resolves to 127.0.0.1: the rule applies to the address, not the name.
        refused = await strict.send(listener.url("localhost"), render_test("x"), kind="test")
        metadata = await default.send(listener.url(METADATA), render_test("x"), kind="test")

    assert not refused.ok and refused.permanent
    assert refused.error and "BETTERUPTIME_BLOCK_PRIVATE_TARGETS=true" in refused.error
    assert attempts.matching(port=listener.port) == []
    assert listener.arrived() == 0

    assert not metadata.ok and metadata.permanent
    assert metadata.error and f"{METADATA} is a link-local or cloud metadata" in metadata.error
    assert attempts.matching(host=METADATA) == []

    allowed = await default.send(listener.url("127.0.0.1"), render_test("x"), kind="test")

    assert allowed.ok, allowed.error

    async def arrived() -> bool:
        return listener.arrived() == 1

    await eventually(arrived, within=ARRIVAL_SECONDS, what="the message at the listener")


async def test_http_webhooks_reach_only_allowed_addresses(http_hook: Listener) -> None:
    await _check_family(http_hook)


async def test_smtp_mail_reaches_only_allowed_addresses(mail_server: Listener) -> None:
    await _check_family(mail_server)


async def test_udp_syslog_reaches_only_allowed_addresses(syslog: Listener) -> None:
    await _check_family(syslog)


async def test_tcp_irc_reaches_only_allowed_addresses(irc: Listener) -> None:
    await _check_family(irc)


async def test_the_guard_leaves_other_connections_alone(http_hook: Listener) -> None:
    import requests

    strict = AppriseSender(policy=TargetPolicy(block_private=True))
    await strict.send(http_hook.url("127.0.0.1"), render_test("x"), kind="test")

    # Outside a guarded send (this test's own thread), loopback is reachable as ever.
    response = await asyncio.to_thread(
        requests.post, f"http://127.0.0.1:{http_hook.port}/direct", json={}, timeout=5
    )

    assert response.status_code == 200


def _ways_to_reach(tcp: int, udp: int) -> dict[str, Callable[[], object]]:
    """Every socket call that takes a destination, each aimed at a loopback listener."""

    def stream(call: Callable[[socket.socket], object]) -> object:
        with socket.socket() as sock:
            return call(sock)

    def datagram(call: Callable[[socket.socket], object]) -> object:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            return call(sock)

    async def open_connection() -> None:
        _, writer = await asyncio.open_connection("localhost", tcp)
        writer.close()

    return {
        "getaddrinfo": lambda: socket.getaddrinfo("localhost", tcp),
        "create_connection": lambda: socket.create_connection(("localhost", tcp)).close(),
        "connect": lambda: stream(lambda sock: sock.connect(("127.0.0.1", tcp))),
        "connect_ex": lambda: stream(lambda sock: sock.connect_ex(("localhost", tcp))),
        "sendto": lambda: datagram(lambda sock: sock.sendto(b"x", ("localhost", udp))),
        "sendto with flags": lambda: datagram(
            lambda sock: sock.sendto(b"x", 0, ("127.0.0.1", udp))
        ),
        "sendmsg": lambda: datagram(lambda sock: sock.sendmsg([b"x"], [], 0, ("127.0.0.1", udp))),
        "asyncio": lambda: asyncio.run(open_connection()),
    }


@pytest.mark.parametrize("way", list(_ways_to_reach(0, 0)))
def test_every_socket_call_that_takes_a_destination_is_judged(way: str, syslog: Listener) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        tcp = server.getsockname()[1]
        reach = _ways_to_reach(tcp, syslog.port)[way]
        with socket_attempts() as attempts, guarded(TargetPolicy(block_private=True)) as refused:
            try:
                outcome = reach()
            except PermissionError as error:
                outcome = error

    assert isinstance(outcome, PermissionError) or outcome == errno.EACCES, outcome
    assert refused and "127.0.0.1 is a loopback" in refused[0]
    assert attempts.matching(port=tcp) == attempts.matching(port=syslog.port) == []
    assert syslog.arrived() == 0


def test_only_a_guarded_thread_and_the_threads_it_starts_are_judged(
    syslog: Listener,
) -> None:
    inside, release = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}
    recorded: list[str] = []

    def send(name: str) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            try:
                outcomes[name] = sock.sendto(b"x", ("127.0.0.1", syslog.port))
            except OSError as error:
                outcomes[name] = error

    def guarded_send() -> None:
        with guarded(TargetPolicy(block_private=True)) as refusals:
            send("guarded")
            child = threading.Thread(target=send, args=("child",))
            child.start()
            child.join()
            inside.set()
            release.wait(5)
        recorded.extend(refusals)

    worker = threading.Thread(target=guarded_send)
    worker.start()
    assert inside.wait(5)
    send("unguarded")  # while the other thread is still inside guarded()
    release.set()
    worker.join()

    assert isinstance(outcomes["guarded"], PermissionError)
    assert isinstance(outcomes["child"], PermissionError)
    assert outcomes["unguarded"] == 1
    assert syslog.arrived() == 1
    assert len(recorded) == 2  # the child's refusal is the send's too


def test_a_name_is_resolved_once_and_its_vetted_address_is_the_one_used(
    syslog: Listener,
) -> None:
    with (
        socket_attempts() as attempts,
        guarded(TargetPolicy()),
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock,
    ):
        sock.sendto(b"x", ("localhost", syslog.port))

    # The kernel got the address the guard judged, not a name to look up again.
    assert attempts.matching(port=syslog.port) == [("127.0.0.1", syslog.port)]
    assert syslog.arrived() == 1
