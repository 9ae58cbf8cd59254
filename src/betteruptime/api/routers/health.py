"""Liveness and database reachability, for load balancers and orchestrators."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from betteruptime.db.session import SessionFactory
from betteruptime.logs import get_logger, kv

router = APIRouter(tags=["health"])
log = get_logger("api")

# A probe that hangs is as bad as one that fails: answer within this many seconds.
DATABASE_TIMEOUT_SECONDS = 5.0


async def _ping(sessions: SessionFactory) -> None:
    async with sessions() as session:
        await session.execute(text("SELECT 1"))


@router.get(
    "/healthz",
    responses={503: {"description": "The database did not answer."}},
)
async def healthz(request: Request) -> JSONResponse:
    """200 `{"status": "ok", "database": "ok"}` after a `SELECT 1`; 503 if that fails."""
    try:
        await asyncio.wait_for(_ping(request.app.state.sessions), DATABASE_TIMEOUT_SECONDS)
    except Exception as error:  # any failure means "not healthy"
        # The type only: driver messages can include connection details.
        log.warning(kv(event="health_check_failed", error=type(error).__name__))
        return JSONResponse({"status": "error", "database": "error"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
