"""A minimal IRC server on a free loopback port, for `irc://` channels: it welcomes every
client at once (numeric 001, which is all Apprise waits for before sending), answers PING,
and records the lines clients send. Enough of the protocol for a notification, no more.

Apprise sends each line of a message as a PRIVMSG of its own; `deliveries` counts the
connections that sent any, one per notification."""

from __future__ import annotations

import asyncio

from testkit.waiting import free_port


class IrcServer:
    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.connections = 0
        self.lines: list[str] = []
        self.deliveries = 0
        self._server: asyncio.Server | None = None

    def url(self, *, host: str | None = None, to: str = "@ops") -> str:
        """An Apprise URL sending to `to` (a nick with @, a channel with #) without joining."""
        target = to.replace("#", "%23")
        return f"irc://bot@{host or self.host}:{self.port}/?to={target}&join=no"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.write(b":irc.test 001 bot :Welcome\r\n")
        delivered = False
        try:
            while raw := await reader.readline():
                line = raw.decode(errors="replace").rstrip("\r\n")
                self.lines.append(line)
                if line.startswith("PRIVMSG ") and not delivered:
                    delivered = True
                    self.deliveries += 1
                if line.startswith("PING "):
                    writer.write(f"PONG {line[5:]}\r\n".encode())
                if line.startswith("QUIT"):
                    break
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()
