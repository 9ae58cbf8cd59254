"""Incident bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class IncidentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    monitor_id: int
    status: Literal["open", "resolved"]
    started_at: datetime
    confirmed_at: datetime | None
    resolved_at: datetime | None
    acknowledged_at: datetime | None
    cause: str | None
    in_maintenance: bool = Field(
        description="Opened while a maintenance window covered the monitor: its channels "
        "were not told then (they are if it is still open when the window ends)."
    )


class DeliveryAttemptPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    at: datetime
    ok: bool
    error: str | None
    permanent: bool = Field(
        default=False, description="The receiver refused it for good: it was not retried."
    )


class TimelineEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    type: Literal[
        "first_failure", "confirmed", "notification", "reminder", "acknowledged", "resolved"
    ]
    detail: str | None = Field(
        description="The cause; for a notification, why it failed (for good, or last), why "
        "it was cancelled (such as `resolved before it could be sent`), or what it waits for."
    )
    event: str | None = Field(description="For a notification: down, up, reminder, …")
    channel_id: int | None
    channel_name: str | None
    status: str | None = Field(
        description="For a notification: pending, sending, sent, failed or cancelled."
    )
    in_digest: bool = Field(description="Sent folded into a digest by the rate limit.")
    attempts: list[DeliveryAttemptPublic]
    permanent: bool = Field(
        default=False,
        description="For a notification: it failed for good (the receiver refused it, "
        "such as an HTTP 404), so it was not retried.",
    )


class IncidentDetail(IncidentPublic):
    timeline: list[TimelineEntryPublic]
