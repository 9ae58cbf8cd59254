"""Regions: where workers run, whether they are alive, and what they checked and missed.

A region appears once a worker of it has sent a heartbeat; `live_workers` counts those
heard from in the last 15 s. `missed` counts jobs that expired before a worker of the
region could start them (workers falling behind).
"""

from __future__ import annotations

from fastapi import APIRouter

from betteruptime.api.deps import CurrentUser, SessionDep
from betteruptime.api.errors import ErrorBody
from betteruptime.api.schemas.regions import RegionPublic
from betteruptime.services.regions import region_summary

router = APIRouter(
    prefix="/regions",
    tags=["regions"],
    responses={401: {"model": ErrorBody, "description": "Missing or invalid token."}},
)


@router.get("")
async def list_regions(session: SessionDep, user: CurrentUser) -> list[RegionPublic]:
    return [RegionPublic.model_validate(row) for row in await region_summary(session)]
