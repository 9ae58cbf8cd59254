"""Regions: where workers run, whether they are alive, and what they checked and missed.

A region appears once a worker of it has sent a heartbeat, or while one of the organization's active
monitors is checked from it; `live_workers` counts the workers heard from in the last
15 s, so a region listed with monitors and `live_workers` 0 is one your monitors are not
checked from. `missed` counts jobs that expired before a worker of the region could
start them (workers falling behind); `backlog` counts the jobs waiting in the region's
queue right now, read from the broker (back-pressure, before jobs expire).
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from betteruptime.api.access import Reader
from betteruptime.api.deps import SessionDep
from betteruptime.api.errors import ErrorBody
from betteruptime.schemas.regions import RegionPublic
from betteruptime.services.regions import region_summary
from betteruptime.transport.base import Broker

router = APIRouter(
    prefix="/regions",
    tags=["regions"],
    responses={401: {"model": ErrorBody, "description": "Missing or invalid token."}},
)


@router.get("")
async def list_regions(
    session: SessionDep, context: Reader, request: Request
) -> list[RegionPublic]:
    # The broker the api publishes pings through, when it has one (create_app).
    broker: Broker | None = request.app.state.broker
    rows = await region_summary(session, organization_id=context.organization_id, broker=broker)
    return [RegionPublic.model_validate(row) for row in rows]
