"""The REST API: /api/v1, heartbeat pings, /healthz and /metrics.

The caller owns the engine: `create_api` only receives the session factory, so the
embedded runner, the api command and the tests decide how the database is opened and
closed. The dashboard is added on top of it in `runtime/app.py`; the API knows nothing
of it.
"""

from __future__ import annotations

from fastapi import FastAPI

from betteruptime import __version__
from betteruptime.alerting.sender import AppriseSender
from betteruptime.api.errors import BodyLimitMiddleware, install_error_handlers
from betteruptime.api.inputs import NulGuard
from betteruptime.api.openapi import install_openapi
from betteruptime.api.pings import PingIntake, ping_lifespan
from betteruptime.api.routers import (
    audit_log,
    auth,
    channels,
    health,
    incidents,
    invitations,
    monitors,
    organization_tokens,
    organizations,
    ping,
    regions,
    status_pages,
)
from betteruptime.api.routers import maintenance as maintenance_windows
from betteruptime.api.routers import metrics as prometheus_metrics
from betteruptime.api.throttling import AuthThrottles
from betteruptime.db.session import SessionFactory
from betteruptime.mail.smtp import mailer_from_settings
from betteruptime.services.engine_health import RoleLiveness
from betteruptime.settings import Settings
from betteruptime.transport.queues import ResultQueue

API_PREFIX = "/api/v1"
# Monitor bodies are at most ~64 KiB of body and ~200 KiB of headers; anything much
# larger is refused before it is read into memory.
MAX_REQUEST_BYTES = 1024 * 1024
CHANNEL_TEST_TIMEOUT_SECONDS = 15.0


def create_api(
    settings: Settings,
    sessions: SessionFactory,
    results: ResultQueue | None = None,
    *,
    roles: RoleLiveness | None = None,
) -> FastAPI:
    """`results`: where heartbeat pings go; without it /ping answers 503. Its broker
    also tells /api/v1/regions how many jobs wait per region. `roles`: whether the
    roles running in this process are alive (embedded mode), for /healthz."""
    app = FastAPI(
        title="BetterUptime",
        version=__version__,
        description="Self-hostable uptime monitoring. Authenticate with "
        "`Authorization: Bearer <token>` (see `POST /api/v1/auth/token`).",
        # /docs is the dashboard's (web/views/api_docs.py): Swagger UI from local files.
        docs_url=None,
        redoc_url=None,
        lifespan=ping_lifespan,
        # Starlette's trailing-slash redirect builds its Location from the Host header;
        # errors.py answers those with a relative one instead.
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.sessions = sessions
    app.state.pings = None if results is None else PingIntake(sessions=sessions, results=results)
    app.state.broker = None if results is None else results.broker
    app.state.roles = roles
    app.state.throttles = AuthThrottles()
    # Channel tests send from the api process; few at a time is plenty.
    app.state.sender = AppriseSender(
        max_parallel=4,
        timeout_seconds=CHANNEL_TEST_TIMEOUT_SECONDS,
        policy=settings.target_policy(),
    )
    # The product's own mail (invitations): None while BETTERUPTIME_SMTP_URL is unset.
    app.state.mailer = mailer_from_settings(settings)
    install_error_handlers(app)
    app.add_middleware(NulGuard)
    # Added last, so outermost: an oversized body is refused before anything reads it.
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_REQUEST_BYTES)
    ping.install(app)  # first: routes match in order, and pings are the hot path
    routers = (auth.router, monitors.router, channels.router, incidents.router, regions.router)
    for router in routers:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(maintenance_windows.router, prefix=API_PREFIX)
    app.include_router(status_pages.router, prefix=API_PREFIX)
    app.include_router(organizations.router, prefix=API_PREFIX)
    app.include_router(audit_log.router, prefix=API_PREFIX)
    app.include_router(invitations.router, prefix=API_PREFIX)
    app.include_router(organization_tokens.router, prefix=API_PREFIX)
    app.include_router(health.router)
    app.include_router(prometheus_metrics.router)  # /metrics, beside /healthz: for operators
    install_openapi(app, settings)
    return app
