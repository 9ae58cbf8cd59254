"""A local line-protocol TCP server: "PING\\n" gets "PONG\\n", anything else "ERR …".

`behaviour` picks how it answers, so one class serves every TCP probe test; start() and
stop() may be repeated on the same port (a stopped server refuses connections, which is
how tests take a target down).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import Literal

from testkit.waiting import free_port

Behaviour = Literal[
    "pong", "error", "silent", "slow", "split", "banner", "hang-up", "reset", "flood"
]
# "slow" waits this long before answering.
SLOW_SECONDS = 0.3


class PingServer:
    def __init__(self, behaviour: Behaviour = "pong") -> None:
        self.port = free_port()
        self.behaviour: Behaviour = behaviour
        self.received: list[bytes] = []
        self.connections = 0
        # Connections whose client closed its side (the server read EOF): a probe that
        # closes its sockets properly shows up here.
        self.closed_by_client = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        # Open connections are closed by hand: a "silent" handler never ends by itself.
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()
        self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            await self._converse(reader, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.behaviour in ("hang-up", "reset"):
            # Reads the request first: closing on unread data would send a reset anyway.
            await reader.readline()
            if self.behaviour == "reset":
                # Linger 0: closing sends a reset (RST) instead of a FIN.
                linger = struct.pack("ii", 1, 0)
                writer.get_extra_info("socket").setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, linger
                )
                writer.transport.abort()
            return
        if self.behaviour == "banner":
            writer.write(b"220 ready\r\n")
        if self.behaviour == "flood":
            writer.write(b"x" * (100 * 1024))
        await writer.drain()
        while line := await reader.readline():
            self.received.append(line)
            await self._answer(line, writer)
            if self.behaviour == "error":
                return  # refuses the request and hangs up, as servers that reject do
        self.closed_by_client += 1

    async def _answer(self, line: bytes, writer: asyncio.StreamWriter) -> None:
        if self.behaviour in ("silent", "flood"):
            return
        reply = b"PONG\n" if line == b"PING\n" else b"ERR unknown command\n"
        if self.behaviour == "error":
            reply = b"ERR unknown command\n"
        if self.behaviour == "slow":
            await asyncio.sleep(SLOW_SECONDS)
        if self.behaviour == "split":
            # Two writes with a pause, so the reply reaches the probe in two reads.
            writer.write(reply[:2])
            await writer.drain()
            await asyncio.sleep(0.05)
            reply = reply[2:]
        writer.write(reply)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
