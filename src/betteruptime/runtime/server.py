"""The HTTP server (uvicorn) as a task the process's own shutdown sequence controls."""

from __future__ import annotations

import contextlib
import errno
import gc
import socket
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from betteruptime.runtime.http_limits import LimitedHttpToolsProtocol
from betteruptime.settings import Settings


class PortUnavailable(OSError):
    """The api's address cannot be bound (in use, or not ours)."""


class HttpServer(uvicorn.Server):
    """Uvicorn without its own signal handling: shutdown order is the process's to decide.

    The listening socket is bound before anything else starts, so a port in use is one
    clear error at start-up instead of uvicorn's exit from inside a running task.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = _bind(config.host, config.port)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        # Everything loaded so far (modules, the app, its routes) lives as long as the
        # process: moved out of the collector's sight, full collections stop walking it,
        # which showed as a 100+ ms pause every hundred or so requests.
        gc.collect()
        gc.freeze()
        await super().serve(sockets=sockets or [self.listening])


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        reason = "is already in use" if error.errno == errno.EADDRINUSE else error.strerror
        raise PortUnavailable(error.errno, f"{host}:{port} {reason} (set PORT or HOST)") from None
    sock.set_inheritable(True)
    return sock


def http_server(settings: Settings, app: FastAPI) -> HttpServer:
    return HttpServer(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            lifespan="on",
            # httptools with header limits and a deadline (http_limits.py), chosen here
            # rather than by what happens to be installed.
            http=LimitedHttpToolsProtocol,
        )
    )
