"""A UDP syslog receiver on a free loopback port, for `rsyslog://` channels: a bound
datagram socket read without waiting. A datagram sent to loopback is in the socket's queue
by the time `sendto` returns, so what `received()` says after a send is final."""

from __future__ import annotations

import socket


class SyslogReceiver:
    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((self.host, 0))
        self._sock.setblocking(False)
        self.port: int = self._sock.getsockname()[1]
        self._received: list[bytes] = []

    def url(self, *, host: str | None = None) -> str:
        return f"rsyslog://{host or self.host}:{self.port}"

    def received(self) -> list[bytes]:
        while True:
            try:
                self._received.append(self._sock.recv(65536))
            except BlockingIOError:
                return list(self._received)

    def close(self) -> None:
        self._sock.close()
