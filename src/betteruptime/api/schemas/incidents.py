"""Incident bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict


class IncidentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    monitor_id: int
    status: Literal["open", "resolved"]
    started_at: datetime
    resolved_at: datetime | None
    acknowledged_at: datetime | None
    cause: str | None
