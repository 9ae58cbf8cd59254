"""SQLAlchemy models. The same tables serve SQLite (embedded) and PostgreSQL.

Hot tables (checks, rollups) carry no foreign keys: the ingester writes them in bulk and
deleting a monitor clears them explicitly, so no cascade has to walk millions of rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from betteruptime.db.types import BigIntPK, UTCDateTime, utcnow
from betteruptime.domain.rollups import Aggregate, decode_histogram, encode_histogram

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Monitor(Base):
    """What the user asked to be checked. Runtime state lives in MonitorState."""

    __tablename__ = "monitors"
    __table_args__ = (Index(None, "owner_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="http")
    url: Mapped[str] = mapped_column(String(2048))
    method: Mapped[str] = mapped_column(String(10), default="GET")
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    follow_redirects: Mapped[bool] = mapped_column(Boolean, default=True)
    verify_tls: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    timeout_seconds: Mapped[float] = mapped_column(Float)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    expected_status: Mapped[list[str]] = mapped_column(JSON, default=list)
    keyword: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    keyword_mode: Mapped[str] = mapped_column(String(8), default="present")
    json_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    json_expected: Mapped[Any] = mapped_column(JSON, nullable=True)
    max_response_time_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # How many regions must report a failure for a due time to count as failing;
    # None means a majority of the monitor's regions.
    min_failed_regions: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    failure_threshold: Mapped[int] = mapped_column(SmallInteger, default=3)
    recovery_threshold: Mapped[int] = mapped_column(SmallInteger, default=2)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # While an incident is open and unacknowledged, remind this often; None: never.
    remind_every_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by every change to the monitor; the scheduler watches it to pick up edits.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Channel(Base):
    """Where notifications go: an Apprise URL. The URL holds secrets; show it masked."""

    __tablename__ = "channels"
    __table_args__ = (Index(None, "owner_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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


class MonitorState(Base):
    """What the ingester decided so far: the state machine's memory for one monitor."""

    __tablename__ = "monitor_states"

    monitor_id: Mapped[int] = mapped_column(
        ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(10), default="pending")
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    consecutive_successes: Mapped[int] = mapped_column(Integer, default=0)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The newest due time fed to the state machine: older results arriving late are stored
    # but do not move the state, so decisions follow due times, not arrival order.
    last_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When the current run of failures (or successes) began: an incident starts at its
    # first failure and ends at the first success of the recovery, not at confirmation.
    streak_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    open_incident_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Check(Base):
    """One probe result from one region (the seed's "tick").

    The key is what makes a result unique, so a redelivered result cannot be stored
    twice; there is no surrogate id to index and store. On PostgreSQL the table is
    partitioned by day on `due_at` (migration 0002), so retention drops whole partitions.
    """

    __tablename__ = "checks"
    # On SQLite the key index is the table itself: no rowid, no second copy of the key.
    __table_args__ = {"sqlite_with_rowid": False}

    monitor_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    region: Mapped[str] = mapped_column(String(32), primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    up: Mapped[bool] = mapped_column(Boolean)
    response_time_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    status_code: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    dns_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    connect_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    tls_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    first_byte_ms: Mapped[float | None] = mapped_column(Float, nullable=True)


class Rollup(Base):
    """Mergeable aggregates of the checks of one monitor in one time bucket.

    `histogram` is a sparse response-time histogram on fixed log-spaced buckets
    (see domain.rollups), which is what lets percentiles come from rollups alone.
    """

    __abstract__ = True

    monitor_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    rt_count: Mapped[int] = mapped_column(Integer, default=0)
    rt_sum: Mapped[float] = mapped_column(Float, default=0.0)
    rt_min: Mapped[float | None] = mapped_column(Float, nullable=True)
    rt_max: Mapped[float | None] = mapped_column(Float, nullable=True)
    histogram: Mapped[str] = mapped_column(Text, default="")

    def to_aggregate(self) -> Aggregate:
        return Aggregate(
            count=self.count or 0,
            failures=self.failures or 0,
            rt_count=self.rt_count or 0,
            rt_sum=self.rt_sum or 0.0,
            rt_min=self.rt_min,
            rt_max=self.rt_max,
            histogram=decode_histogram(self.histogram or ""),
        )

    def store_aggregate(self, aggregate: Aggregate) -> None:
        self.count, self.failures = aggregate.count, aggregate.failures
        self.rt_count, self.rt_sum = aggregate.rt_count, aggregate.rt_sum
        self.rt_min, self.rt_max = aggregate.rt_min, aggregate.rt_max
        self.histogram = encode_histogram(aggregate.histogram)


class RollupMinute(Rollup):
    __tablename__ = "rollups_minute"


class RollupHour(Rollup):
    __tablename__ = "rollups_hour"


class RollupDay(Rollup):
    __tablename__ = "rollups_day"


ROLLUP_MODELS: dict[str, type[Rollup]] = {
    "minute": RollupMinute,
    "hour": RollupHour,
    "day": RollupDay,
}


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


class PendingDecision(Base):
    """A due time of a multi-region monitor still waiting for some regions' results.

    Decided as soon as every region has reported, or at `decide_by` with what came.
    Kept in the database so that any ingester can finish what another one started.
    """

    __tablename__ = "pending_decisions"

    monitor_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    decide_by: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SchedulerCursor(Base):
    """How far the active scheduler has published: every due time up to `published_until`.

    Written before the jobs are published, so a standby that takes over resumes after it
    and no due time is ever published twice.
    """

    __tablename__ = "scheduler_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    published_until: Mapped[float] = mapped_column(Float)
    leader: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkerStatus(Base):
    """The last heartbeat of each worker: which regions are live, what each has missed."""

    __tablename__ = "worker_status"

    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_total: Mapped[int] = mapped_column(BigInteger, default=0)
    missed_total: Mapped[int] = mapped_column(BigInteger, default=0)


class OutboxEvent(Base):
    """Transition events, written in the same transaction as the transition itself.

    A relay publishes them to the event stream and stamps `published_at`, so an event is
    never lost between a commit and a publish (the crash that costs healthchecks alerts).
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(16))
    monitor_id: Mapped[int] = mapped_column(Integer)
    incident_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    cause: Mapped[str | None] = mapped_column(Text, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    # When the event was decided (`at` is when what it reports began).
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, default=utcnow)


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
    kind: Mapped[str] = mapped_column(String(16))  # event type, or "digest"
    event_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    monitor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    incident_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # pending → sending → sent | failed; or cancelled (escalation no longer needed),
    # or folded (sent as part of the digest `digest_id`).
    status: Mapped[str] = mapped_column(String(10), default="pending")
    # A delayed link's down message: sent only if the incident is still open and
    # unacknowledged when it comes due.
    escalation: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A notifier that dies mid-send leaves its claim; it is taken again after this time.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    digest_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)


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


__all__ = [
    "ROLLUP_MODELS",
    "ApiToken",
    "Base",
    "Channel",
    "Check",
    "DeliveryAttempt",
    "Incident",
    "Monitor",
    "MonitorChannel",
    "MonitorState",
    "Notification",
    "OutboxEvent",
    "PendingDecision",
    "Rollup",
    "RollupDay",
    "RollupHour",
    "RollupMinute",
    "SchedulerCursor",
    "User",
    "WorkerStatus",
]
