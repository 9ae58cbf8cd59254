"""The HTTP server (uvicorn) as a task the process's own shutdown sequence controls."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from betteruptime.settings import Settings


class HttpServer(uvicorn.Server):
    """Uvicorn without its own signal handling: shutdown order is the process's to decide."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def http_server(settings: Settings, app: FastAPI) -> HttpServer:
    return HttpServer(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            lifespan="on",
        )
    )
