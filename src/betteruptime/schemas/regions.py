from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class RegionPublic(BaseModel):
    region: str
    live_workers: int
    checked: int
    missed: int
    last_seen_at: datetime | None
    monitors: int = Field(
        description="Your active monitors checked from this region. With `live_workers` "
        "0 they are not being checked: start a worker with `--region` set to it."
    )
    backlog: int | None = Field(
        description="Batches of check jobs waiting in the region's queue now, as the "
        "broker counts them; null when this api process has no broker connection or it "
        "did not answer."
    )
