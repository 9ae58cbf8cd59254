"""What a message says, captured when its event is planned: the alert context.

Stored with each notification (as JSON), so a message sent late, retried, or folded into
a digest still names the monitor as it was, even if it was renamed or deleted since.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class AlertContext(BaseModel):
    type: str  # down | up | reminder | acknowledged | degraded | maintenance_started/ended
    monitor_id: int
    monitor_name: str
    # None for a heartbeat monitor: it is pinged, and its ping URL is a secret.
    monitor_url: str | None = None
    # Contexts stored before the kind was recorded are of probed monitors.
    monitor_kind: str = "http"
    incident_id: int | None = None
    started_at: datetime | None = None
    confirmed_at: datetime | None = None
    resolved_at: datetime | None = None
    acknowledged_at: datetime | None = None
    cause: str | None = None
    status_code: int | None = None
    failing_regions: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    reminder_number: int | None = None
    # When the event was decided; what "how long ago" is measured from.
    decided_at: datetime | None = None
    # degraded: the due time's response time and the monitor's threshold.
    response_time_ms: float | None = None
    degraded_after_ms: int | None = None
    # maintenance_started/ended: the window, until when it runs, what it covers.
    window_name: str | None = None
    window_ends_at: datetime | None = None
    window_monitors: list[str] = Field(default_factory=list)
    # down/reminder of a browser check: its failure screenshot on the dashboard (signed in).
    screenshot_url: str | None = None

    def down_seconds(self) -> float | None:
        """How long the outage lasted (up) or has lasted so far (reminder)."""
        if self.started_at is None:
            return None
        end = self.resolved_at if self.type == "up" else self.decided_at
        return (end - self.started_at).total_seconds() if end else None
