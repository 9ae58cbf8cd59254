"""A real DNS server over UDP on 127.0.0.1 (dnslib, in a thread), answering from a small zone.

Names in the zone get their records, or an empty answer for a type they lack; names in
`servfail` get SERVFAIL; every other name gets NXDOMAIN. An A or AAAA question for an
alias is answered with the CNAME and the target's addresses, as a real server does.
Tests may change records while it runs (`set`), which is how a DNS change is simulated.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from dnslib import QTYPE, RCODE, RR, DNSRecord  # type: ignore[import-untyped]
from dnslib.server import BaseResolver, DNSLogger, DNSServer  # type: ignore[import-untyped]

ZONE = """
www.monitor.test.    60 IN A     93.184.216.34
www.monitor.test.    60 IN A     93.184.216.35
www.monitor.test.    60 IN AAAA  2001:db8::1
alias.monitor.test.  60 IN CNAME www.monitor.test.
monitor.test.        60 IN MX    10 mail.monitor.test.
monitor.test.        60 IN MX    20 backup.monitor.test.
monitor.test.        60 IN TXT   "v=spf1 -all"
monitor.test.        60 IN TXT   "part one, " "part two"
monitor.test.        60 IN NS    ns1.monitor.test.
monitor.test.        60 IN NS    ns2.monitor.test.
"""


class ZoneDnsServer(BaseResolver):  # type: ignore[misc]  # dnslib has no type hints
    def __init__(self, zone: str = ZONE) -> None:
        self._lock = threading.Lock()
        self._records: dict[tuple[str, str], list[Any]] = {}
        for rr in RR.fromZone(zone):
            self._records.setdefault((str(rr.rname).lower(), QTYPE[rr.rtype]), []).append(rr)
        self.servfail = {"broken.monitor.test."}
        self.queries: list[tuple[str, str]] = []
        # Seconds to wait before each answer, to make the server slow.
        self.delay = 0.0
        self._server = DNSServer(self, address="127.0.0.1", port=0, logger=_quiet())
        self.port: int = self._server.server.server_address[1]

    @property
    def address(self) -> str:
        """The `dns_resolver` value that points at this server."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        # Not dnslib's start_thread(): its default 0.5 s poll would make every stop() slow.
        self._thread = threading.Thread(
            target=self._server.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.server.shutdown()
        self._server.server.server_close()
        self._thread.join()

    def set(self, name: str, rtype: str, values: list[str]) -> None:
        """Replace the `rtype` records of `name` (absolute, ending in ".")."""
        rrs = [RR.fromZone(f"{name} 60 IN {rtype} {value}")[0] for value in values]
        with self._lock:
            self._records[(name.lower(), rtype)] = rrs

    # Called by dnslib in its request thread.
    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        time.sleep(self.delay)  # its own thread: nothing else waits
        reply = request.reply()
        name, rtype = str(request.q.qname).lower(), QTYPE[request.q.qtype]
        with self._lock:
            self.queries.append((name, rtype))
            if name in self.servfail:
                reply.header.rcode = RCODE.SERVFAIL
                return reply
            for rr in self._answer(name, rtype):
                reply.add_answer(rr)
            if not any(known == name for known, _ in self._records):
                reply.header.rcode = RCODE.NXDOMAIN
        return reply

    def _answer(self, name: str, rtype: str) -> list[Any]:
        if (name, rtype) in self._records:
            return self._records[(name, rtype)]
        aliases = self._records.get((name, "CNAME"), [])
        if aliases and rtype in ("A", "AAAA"):
            target = str(aliases[0].rdata.label).lower()
            return aliases + self._records.get((target, rtype), [])
        return []


def _quiet() -> DNSLogger:
    # dnslib's default logger prints every request to stdout.
    return DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", logf=lambda _: None)


def silent_udp_socket() -> socket.socket:
    """A bound UDP socket that never answers: a DNS server that does not respond."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    return sock
