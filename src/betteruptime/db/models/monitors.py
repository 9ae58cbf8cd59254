"""Monitors and the runtime state of checking them: decisions in progress, the
scheduler's cursor, worker heartbeats."""

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
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from betteruptime.db.models.base import Base
from betteruptime.db.types import UTCDateTime, utcnow


class Monitor(Base):
    """What the user asked to be checked. Runtime state lives in MonitorState."""

    __tablename__ = "monitors"
    __table_args__ = (Index(None, "organization_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="http")
    # The scheme says what is checked (http(s)://, tcp://, dns://, icmp://); a heartbeat
    # monitor has none: it is pinged, not probed.
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
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
    # tcp: bytes to send once connected, and what the answer must contain.
    tcp_send: Mapped[str | None] = mapped_column(Text, nullable=True)
    tcp_expect: Mapped[str | None] = mapped_column(Text, nullable=True)
    # dns: the record asked for, from which resolver (None: the system's), and the values
    # the answer must contain (empty: any answer will do).
    dns_record_type: Mapped[str | None] = mapped_column(String(8), nullable=True)
    dns_resolver: Mapped[str | None] = mapped_column(String(255), nullable=True)
    expected_values: Mapped[list[str]] = mapped_column(JSON, default=list)
    # ping: packets per check; the loss above which it fails (None: only when all are lost).
    ping_count: Mapped[int] = mapped_column(SmallInteger, default=3)
    max_packet_loss_percent: Mapped[float | None] = mapped_column(Float, nullable=True)
    # tls (and optionally https): fail when the certificate expires within this many days.
    tls_expiry_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Kind domain, or an http/keyword/json monitor that also watches its domain's
    # registration: fail when it expires within this many days.
    domain_expiry_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Slower than this (but otherwise up): degraded, shown apart from down.
    degraded_after_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # heartbeat: expected every period (+ grace), or on a cron schedule in a time zone;
    # pinged at /ping/<ping_token>, which is a secret.
    period_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    grace_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cron: Mapped[str | None] = mapped_column(String(100), nullable=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    ping_token: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    # {source, property, comparison, target} rows (http, keyword, json; tls with
    # certificate_days), judged after the fields above.
    assertions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # multistep: the requests of one check, in order (see schemas.steps); browser: the
    # actions after opening `url` (domain/browser.py).
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # While an incident is open and unacknowledged, remind this often; None: never.
    remind_every_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The overview shows the monitor under this name (`group` is a word of SQL).
    group: Mapped[str | None] = mapped_column("group_name", String(100), nullable=True)
    # Its tags, one row each (monitor_tags, indexed by tag). Loaded only when asked for
    # (services.monitors loads them with the monitor): the scheduler, the ingester and
    # the notifier read monitors by the thousand and never need them.
    tag_rows: Mapped[list[MonitorTag]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by every change to the monitor; the scheduler watches it to pick up edits.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    @property
    def tags(self) -> list[str]:
        """The tags, sorted (the database's collation may order them otherwise)."""
        return sorted(row.tag for row in self.tag_rows)

    @tags.setter
    def tags(self, tags: list[str]) -> None:
        # A tag that stays keeps its row: only what changes is written.
        rows = {row.tag: row for row in self.tag_rows}
        self.tag_rows = [rows.get(tag) or MonitorTag(tag=tag) for tag in tags]


class MonitorTag(Base):
    """One tag of a monitor (domain/tags.py says what a tag may be); indexed by tag,
    so the monitors with a tag are found without reading every monitor."""

    __tablename__ = "monitor_tags"
    __table_args__ = (Index(None, "tag", "monitor_id"),)

    monitor_id: Mapped[int] = mapped_column(
        ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(50), primary_key=True)


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
    # The latest certificate seen (tls monitors, https ones that check expiry).
    cert_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cert_issuer: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # The latest domain registration expiry read over RDAP (details of the check say more).
    domain_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Heartbeats: the last ping, and a run announced by /start and not finished yet.
    last_ping_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    run_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


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
    # Started with --browser: it takes its region's browser checks too.
    browser: Mapped[bool] = mapped_column(Boolean, default=False)
