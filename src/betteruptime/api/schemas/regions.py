from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class RegionPublic(BaseModel):
    region: str
    live_workers: int
    checked: int
    missed: int
    last_seen_at: datetime | None
