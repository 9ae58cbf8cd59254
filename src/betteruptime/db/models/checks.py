"""Check results and their rollups: the hot tables.

They carry no foreign keys: the ingester writes them in bulk and deleting a monitor
clears them explicitly, so no cascade has to walk millions of rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from betteruptime.db.models.base import Base
from betteruptime.db.types import UTCDateTime
from betteruptime.domain.rollups import Aggregate, decode_histogram, encode_histogram


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
    # What came with the check beyond the figures: a heartbeat ping's body (≤ 10 kB).
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What a check of several parts found (steps, their timings, a domain's expiry), as
    # the worker reported it in CheckResult.details.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class CheckScreenshot(Base):
    """What the page of a failed browser check looked like: a JPEG of its viewport (at
    most domain.browser.SCREENSHOT_MAX_BYTES), keyed like its check. Pruned with the raw
    checks (retention/prune.py) and deleted with the monitor."""

    __tablename__ = "check_screenshots"
    __table_args__ = (UniqueConstraint("monitor_id", "due_at", "region"),)

    # The dashboard's link to it (/monitors/{monitor_id}/screenshots/{id}).
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    monitor_id: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    region: Mapped[str] = mapped_column(String(32))
    image: Mapped[bytes] = mapped_column(LargeBinary)


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
        return aggregate_of(self)

    def store_aggregate(self, aggregate: Aggregate) -> None:
        for name, value in rollup_values(aggregate).items():
            setattr(self, name, value)


def aggregate_of(row: Any) -> Aggregate:
    """The aggregate in a rollup row: a model object, or a Core row with its columns."""
    return Aggregate(
        count=row.count or 0,
        failures=row.failures or 0,
        rt_count=row.rt_count or 0,
        rt_sum=row.rt_sum or 0.0,
        rt_min=row.rt_min,
        rt_max=row.rt_max,
        histogram=decode_histogram(row.histogram or ""),
    )


def rollup_values(aggregate: Aggregate) -> dict[str, Any]:
    """The columns that hold `aggregate` (all but the key)."""
    return {
        "count": aggregate.count,
        "failures": aggregate.failures,
        "rt_count": aggregate.rt_count,
        "rt_sum": aggregate.rt_sum,
        "rt_min": aggregate.rt_min,
        "rt_max": aggregate.rt_max,
        "histogram": encode_histogram(aggregate.histogram),
    }


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
