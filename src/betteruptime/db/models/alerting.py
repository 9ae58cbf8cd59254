"""Incidents and everything that tells people about them: channels, their links to
monitors, the event outbox, notifications and delivery attempts, and the events the
notifier had to set aside (dead letters)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from betteruptime.db.models.base import Base
from betteruptime.db.types import BigIntPK, UTCDateTime, utcnow
from betteruptime.domain.messages import Event


class Channel(Base):
    """Where notifications go: an Apprise URL. The URL holds secrets; show it masked."""

    __tablename__ = "channels"
    __table_args__ = (Index(None, "organization_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # How its deliveries (and test messages) went lately, for the channel list: the last
    # success, and the last failure with its error (secrets masked) and whether it was
    # permanent (no retry could help). Cleared when the URL changes.
    last_delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_failure: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_failure_permanent: Mapped[bool] = mapped_column(Boolean, default=False)


class MonitorChannel(Base):
    """Which channels hear about which monitor, of which events, after what delay.

    Gone with either side. A delay makes the link an escalation: its down message goes
    out only if the incident is still open and unacknowledged when the delay is over.
    """

    __tablename__ = "monitor_channels"

    monitor_id: Mapped[int] = mapped_column(
        ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    )
    # Indexed on its own: deleting a channel and finding a channel's monitors look it up.
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # Which event types this link delivers (alerting.rules.EVENT_TYPES).
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    delay_minutes: Mapped[int] = mapped_column(Integer, default=0)


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (Index(None, "monitor_id", "started_at"), Index(None, "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="open")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cause: Mapped[str | None] = mapped_column(Text, nullable=True)
    # When the failure was confirmed (the down decision), after `started_at`'s first failure.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Reminders emitted so far and when the last one was: the next is due a period later.
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Opened while a maintenance window covered the monitor: nobody was told at once.
    in_maintenance: Mapped[bool] = mapped_column(Boolean, default=False)


class OutboxEvent(Base):
    """Transition events, written in the same transaction as the transition itself.

    A relay publishes them to the event stream and stamps `published_at`, so an event is
    never lost between a commit and a publish (the crash that costs healthchecks alerts).
    A notifier stamps `planned_at` in the transaction that records the event's
    notifications (or sets it aside as a dead letter); until then the relay publishes it
    again at `republish_at`, so an entry the stream lost (Redis restarted without
    persistence) is not an alert lost.
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(32))
    monitor_id: Mapped[int] = mapped_column(Integer)
    incident_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    cause: Mapped[str | None] = mapped_column(Text, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    # When the event was decided (`at` is when what it reports began).
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, default=utcnow)
    # The maintenance window a maintenance_started/ended event is about.
    window_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Indexed: the relay and /healthz look for the few events not planned yet.
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    republish_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    def to_event(self) -> Event:
        """The event as it travels: the relay publishes it, a notifier that finds it
        unplanned in the outbox plans it from here."""
        return Event(
            id=self.id,
            type=self.type,
            monitor_id=self.monitor_id,
            incident_id=self.incident_id,
            at=self.at,
            cause=self.cause,
            decided_at=self.created_at,
            window_id=self.window_id,
        )


class Notification(Base):
    """One message for one channel: an event's, a digest's or a test's.

    `key` is the idempotency key: unique per channel (`event:<id>`, `digest:<uuid>`), so
    an event redelivered by the stream never plans a second message, and one recorded as
    sent is never sent again. `payload` holds what the templates render (JSON), taken
    when the event was planned, so the message survives later edits or deletions.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("channel_id", "key"),
        Index(None, "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # event type, or "digest"
    event_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    monitor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    incident_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # pending → sending → sent | failed; or cancelled (an escalation no longer needed, a
    # down whose incident resolved before it could be sent: `last_error` says why), or
    # folded (sent as part of the digest `digest_id`).
    status: Mapped[str] = mapped_column(String(10), default="pending")
    # A delayed link's down message: sent only if the incident is still open and
    # unacknowledged when it comes due.
    escalation: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A notifier that dies mid-send leaves its claim; it is taken again after this time.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Indexed: a digest's messages are looked up when it is retried or holds a line.
    digest_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    # Waiting for this earlier message (or digest) of the same monitor and channel to
    # finish (alerting/ordering.py); finishing it releases this one at once.
    blocked_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)


def notification_values(
    *,
    channel_id: int,
    key: str,
    kind: str,
    payload: dict[str, Any],
    due_at: datetime,
    now: datetime,
    event_id: int | None = None,
    monitor_id: int | None = None,
    incident_id: int | None = None,
    escalation: bool = False,
) -> dict[str, Any]:
    """The columns of a new notification, waiting to be sent at `due_at`: the one place
    an event's, a maintenance notice's or a digest's row is made."""
    return {
        "channel_id": channel_id,
        "key": key,
        "kind": kind,
        "event_id": event_id,
        "monitor_id": monitor_id,
        "incident_id": incident_id,
        "payload": payload,
        "status": "pending",
        "escalation": escalation,
        "attempts": 0,
        "next_attempt_at": due_at,
        "created_at": now,
    }


class DeliveryAttempt(Base):
    """Every try at sending a notification, successful or not."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The receiver refused it for good (alerting/failures.py): not tried again.
    permanent: Mapped[bool] = mapped_column(Boolean, default=False)


class DeadLetter(Base):
    """A stream entry the notifier could not decode, or an event it could not plan, set
    aside with the reason so that the events behind it still go out. Counted in
    /healthz (the notifier is `degraded` while recent ones exist) and listed on the
    dashboard of the monitor's owner. `body` is the entry as received, cut to a bound."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    # The stream entry it came in (empty when it was read from the outbox directly).
    entry_id: Mapped[str] = mapped_column(String(64))
    # What could be read of it: None when the body did not say.
    event_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    event_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    monitor_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    body: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class MaintenanceWindow(Base):
    """A time when some monitors are expected to fail: checks still run, alerts do not.

    One-off (`starts_at`..`ends_at`) or recurring (`weekdays` at `start_time` for
    `duration_minutes`, in `timezone`).
    """

    __tablename__ = "maintenance_windows"
    __table_args__ = (Index(None, "organization_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # 0 = Monday … 6 = Sunday.
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)
    start_time: Mapped[str | None] = mapped_column(String(5), nullable=True)  # "HH:MM"
    duration_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Tell the monitors' channels when the window starts and ends.
    notify: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The ingester's sweep claims each start and end once (conditional UPDATE on these):
    # started after ended (or never ended) means it is in progress as far as anyone told.
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MaintenanceMonitor(Base):
    """Which monitors a maintenance window covers; gone with either side."""

    __tablename__ = "maintenance_monitors"

    window_id: Mapped[int] = mapped_column(
        ForeignKey("maintenance_windows.id", ondelete="CASCADE"), primary_key=True
    )
    monitor_id: Mapped[int] = mapped_column(
        ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True, index=True
    )
