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
    live_browser_workers: int = Field(
        description="Of the live workers, those started with `--browser`: only they run "
        "browser checks."
    )
    browser_monitors: int = Field(
        description="Of `monitors`, the browser checks. With `live_browser_workers` 0 they "
        "are not being checked: start a worker of the region with `--browser`."
    )
    backlog: int | None = Field(
        description="Batches of check jobs waiting in the region's queue now, as the "
        "broker counts them; null when this api process has no broker connection or it "
        "did not answer."
    )
