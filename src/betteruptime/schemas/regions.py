from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class RegionPublic(BaseModel):
    region: str
    live_workers: int
    checked: int
    missed: int
    last_seen_at: datetime | None
    backlog: int | None = Field(
        description="Batches of check jobs waiting in the region's queue now, as the "
        "broker counts them; null when this api process has no broker connection or it "
        "did not answer."
    )
