"""Liveness and database reachability, for load balancers and orchestrators, plus how
each engine is doing (services/engine_health.py), for operators.

The status code depends on the database only (load balancers rely on it): 200 when it
answers, 503 when it does not. A stale engine makes `status` "degraded", still 200: this
api process can serve, even if checks or notifications are behind.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.logs import get_logger, kv
from betteruptime.services.engine_health import RoleLiveness, assess, read_facts

router = APIRouter(tags=["health"])
log = get_logger("api")

# A probe that hangs is as bad as one that fails: answer within this many seconds, the
# engines' report included.
DATABASE_TIMEOUT_SECONDS = 5.0


async def _ping(sessions: SessionFactory) -> None:
    async with sessions() as session:
        await session.execute(text("SELECT 1"))


async def _engines(sessions: SessionFactory, roles: RoleLiveness | None) -> dict[str, Any]:
    async with sessions() as session:
        facts = await read_facts(session, now=utcnow())
    return assess(facts, None if roles is None else roles())


@router.get(
    "/healthz",
    responses={
        200: {"description": "The database answers; `status` is ok or degraded (engines)."},
        503: {"description": "The database did not answer."},
    },
)
async def healthz(request: Request) -> JSONResponse:
    """200 `{"status": "ok"|"degraded", "database": "ok", "engines": {...}}` after a
    `SELECT 1`; 503 if that fails. See the README for the engines' report."""
    sessions: SessionFactory = request.app.state.sessions
    started = time.monotonic()
    try:
        await asyncio.wait_for(_ping(sessions), DATABASE_TIMEOUT_SECONDS)
    except Exception as error:  # any failure means "not healthy"
        # The type only: driver messages can include connection details.
        log.warning(kv(event="health_check_failed", error=type(error).__name__))
        return JSONResponse({"status": "error", "database": "error"}, status_code=503)
    remaining = max(0.1, DATABASE_TIMEOUT_SECONDS - (time.monotonic() - started))
    try:
        report = await asyncio.wait_for(_engines(sessions, request.app.state.roles), remaining)
    except Exception as error:
        # The database answered, so this process can serve: 200, but nothing is known
        # about the engines, which is not "ok".
        log.warning(kv(event="engine_health_failed", error=type(error).__name__))
        report = {"status": "degraded", "engines": {"database": "ok", "error": "unavailable"}}
    return JSONResponse(
        {"status": report["status"], "database": "ok", "engines": report["engines"]}
    )
