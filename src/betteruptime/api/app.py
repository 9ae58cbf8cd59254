"""The FastAPI application of the api role.

The caller owns the engine: `create_app` only receives the session factory, so the
embedded runner, the api command and the tests decide how the database is opened and
closed.
"""

from __future__ import annotations

from fastapi import FastAPI

from betteruptime import __version__
from betteruptime.alerting.sender import AppriseSender
from betteruptime.api.errors import BodyLimitMiddleware, install_error_handlers
from betteruptime.api.routers import auth, channels, health, incidents, monitors, regions
from betteruptime.api.throttling import AuthThrottles
from betteruptime.db.session import SessionFactory
from betteruptime.settings import Settings

API_PREFIX = "/api/v1"
# Monitor bodies are at most ~64 KiB of body and ~200 KiB of headers; anything much
# larger is refused before it is read into memory.
MAX_REQUEST_BYTES = 1024 * 1024
CHANNEL_TEST_TIMEOUT_SECONDS = 15.0


def create_app(settings: Settings, sessions: SessionFactory) -> FastAPI:
    app = FastAPI(
        title="BetterUptime",
        version=__version__,
        description="Self-hostable uptime monitoring. Authenticate with "
        "`Authorization: Bearer <token>` (see `POST /api/v1/auth/token`).",
        docs_url="/docs",
    )
    app.state.settings = settings
    app.state.sessions = sessions
    app.state.throttles = AuthThrottles()
    # Channel tests send from the api process; few at a time is plenty.
    app.state.sender = AppriseSender(
        max_parallel=4,
        timeout_seconds=CHANNEL_TEST_TIMEOUT_SECONDS,
        policy=settings.target_policy(),
    )
    install_error_handlers(app)
    # Added last, so outermost: an oversized body is refused before anything reads it.
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_REQUEST_BYTES)
    routers = (auth.router, monitors.router, channels.router, incidents.router, regions.router)
    for router in routers:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(health.router)
    return app
