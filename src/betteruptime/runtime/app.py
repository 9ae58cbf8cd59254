"""The api role's whole HTTP application: the REST API with the dashboard on top."""

from __future__ import annotations

from fastapi import FastAPI

from betteruptime.api.app import create_api
from betteruptime.db.session import SessionFactory
from betteruptime.services.engine_health import RoleLiveness
from betteruptime.settings import Settings
from betteruptime.transport.queues import ResultQueue
from betteruptime.web.mount import mount_web


def create_app(
    settings: Settings,
    sessions: SessionFactory,
    results: ResultQueue | None = None,
    *,
    roles: RoleLiveness | None = None,
) -> FastAPI:
    """The API (see `create_api` for its arguments) and the dashboard's pages under /
    (the API stays under /api/v1)."""
    app = create_api(settings, sessions, results, roles=roles)
    mount_web(app, settings)
    return app
