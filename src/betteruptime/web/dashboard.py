"""What the dashboard pages show, read in a few queries per page, never one per monitor.

The overview reads three things for all of a user's monitors at once: monitors joined
with their states, the hour rollups of the last 24 h (sparklines and 24 h uptime), and
the day rollups of 30 days summed per monitor in the database. Uptime and response
times come from rollups only, as the stats API's do (services/stats.py), so both agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import (
    Monitor,
    MonitorState,
    Rollup,
    RollupDay,
    RollupHour,
)
from betteruptime.db.types import epoch_bucket
from betteruptime.domain.rollups import (
    BUCKET_LENGTH,
    WINDOWS,
    Aggregate,
    merge_all,
)

STATUSES = ("down", "degraded", "pending", "up", "paused")
# Needing attention first; within a status, by name.
_STATUS_ORDER = {status: rank for rank, status in enumerate(STATUSES)}


@dataclass(slots=True)
class MonitorRow:
    id: int
    name: str
    kind: str
    target: str
    status: str
    last_checked_at: datetime | None
    last_error: str | None
    uptime_24h: float | None = None
    uptime_30d: float | None = None
    # The average response time of each hour of the last 24 h, oldest first; None: no data.
    sparkline: list[float | None] = field(default_factory=list)


def display_target(kind: str, url: str | None) -> str:
    """What a monitor watches, for display: a URL without its password."""
    if kind == "heartbeat" or not url:
        return "heartbeat (pinged)"
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.partition("@")
    if sep and at and "/" not in userinfo and ":" in userinfo:
        return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{host}"
    return url


def status_of(paused: bool, state_status: str | None) -> str:
    """As the API says it: `paused` while paused, else what checks decided."""
    return "paused" if paused else (state_status or "pending")


def _percent(count: int, failures: int) -> float | None:
    return 100.0 * (count - failures) / count if count else None


async def overview_rows(session: AsyncSession, *, owner_id: int, now: datetime) -> list[MonitorRow]:
    """Every monitor of the owner with its status, uptimes and sparkline."""
    statement = (
        select(
            Monitor.id,
            Monitor.name,
            Monitor.kind,
            Monitor.url,
            Monitor.paused,
            MonitorState.status,
            MonitorState.last_checked_at,
            MonitorState.last_error,
        )
        .outerjoin(MonitorState, MonitorState.monitor_id == Monitor.id)
        .where(Monitor.owner_id == owner_id)
    )
    rows = {
        r.id: MonitorRow(
            id=r.id,
            name=r.name,
            kind=r.kind,
            target=display_target(r.kind, r.url),
            status=status_of(r.paused, r.status),
            last_checked_at=r.last_checked_at,
            last_error=r.last_error,
        )
        for r in (await session.execute(statement)).all()
    }
    if rows:
        await _fill_last_24h(session, rows, owner_id=owner_id, now=now)
        await _fill_30d(session, rows, owner_id=owner_id, now=now)
    return sorted(rows.values(), key=lambda r: (_STATUS_ORDER[r.status], r.name.lower(), r.id))


async def _fill_last_24h(
    session: AsyncSession, rows: dict[int, MonitorRow], *, owner_id: int, now: datetime
) -> None:
    """24 h uptime and the hourly sparkline, in one row per monitor: its hours' averages
    come joined in one string ("hour:average,..."). With 1,000 monitors that is 1,000
    rows instead of 24,000, and no timestamp to parse per row, which is what cost most."""
    window = WINDOWS["24h"]
    first = window.first_bucket(now)
    hour_seconds = int(BUCKET_LENGTH["hour"].total_seconds())
    slots = int(window.length / BUCKET_LENGTH["hour"])
    hour = epoch_bucket(RollupHour.bucket_start, hour_seconds, session.get_bind().dialect.name)
    # NULLIF: an hour of failures only has no average (and PostgreSQL no division by 0).
    average = RollupHour.rt_sum / func.nullif(RollupHour.rt_count, 0)
    point = cast(hour, String).concat(":").concat(cast(average, String))
    statement = (
        select(
            RollupHour.monitor_id,
            func.sum(RollupHour.count),
            func.sum(RollupHour.failures),
            func.aggregate_strings(point, ","),
        )
        .join(Monitor, Monitor.id == RollupHour.monitor_id)
        .where(Monitor.owner_id == owner_id, RollupHour.bucket_start >= first)
        .group_by(RollupHour.monitor_id)
    )
    first_hour = int(first.timestamp()) // hour_seconds
    for monitor_id, count, failures, points in (await session.execute(statement)).all():
        row = rows[monitor_id]
        row.uptime_24h = _percent(int(count or 0), int(failures or 0))
        row.sparkline = _sparkline(points or "", first_hour=first_hour, slots=slots)
    for row in rows.values():
        if not row.sparkline:
            row.sparkline = [None] * slots


def _sparkline(points: str, *, first_hour: int, slots: int) -> list[float | None]:
    values: list[float | None] = [None] * slots
    for point in points.split(","):
        hour, _, average = point.partition(":")
        if average and 0 <= int(hour) - first_hour < slots:
            values[int(hour) - first_hour] = float(average)
    return values


async def _fill_30d(
    session: AsyncSession, rows: dict[int, MonitorRow], *, owner_id: int, now: datetime
) -> None:
    statement = (
        select(RollupDay.monitor_id, func.sum(RollupDay.count), func.sum(RollupDay.failures))
        .join(Monitor, Monitor.id == RollupDay.monitor_id)
        .where(
            Monitor.owner_id == owner_id,
            RollupDay.bucket_start >= WINDOWS["30d"].first_bucket(now),
        )
        .group_by(RollupDay.monitor_id)
    )
    for monitor_id, count, failures in (await session.execute(statement)).all():
        rows[monitor_id].uptime_30d = _percent(int(count or 0), int(failures or 0))


def filter_rows(rows: list[MonitorRow], *, status: str, query: str) -> list[MonitorRow]:
    """Rows of one status (all when empty) whose name or target contains the query."""
    needle = query.strip().lower()
    return [
        row
        for row in rows
        if (not status or row.status == status)
        and (not needle or needle in row.name.lower() or needle in row.target.lower())
    ]


def count_by_status(rows: list[MonitorRow]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


# --- one monitor ---------------------------------------------------------------------


@dataclass(slots=True)
class UptimeDay:
    day: datetime
    uptime: float | None
    count: int
    failures: int

    @property
    def level(self) -> str:
        """The bar's colour class: how good the day was."""
        if self.uptime is None:
            return "none"
        if self.uptime >= 99.9:
            return "good"
        if self.uptime >= 99.0:
            return "fair"
        if self.uptime >= 95.0:
            return "poor"
        return "bad"


@dataclass(slots=True)
class MonitorSummary:
    uptime: dict[str, float | None]
    avg_ms_24h: float | None
    p95_ms_24h: float | None
    days: list[UptimeDay]


async def read_rollups(
    session: AsyncSession, model: type[Rollup], *, monitor_id: int, since: datetime
) -> list[Rollup]:
    statement = (
        select(model)
        .where(model.monitor_id == monitor_id, model.bucket_start >= since)
        .order_by(model.bucket_start)
    )
    return list((await session.scalars(statement)).all())


async def monitor_summary(
    session: AsyncSession, *, monitor_id: int, now: datetime
) -> MonitorSummary:
    """Uptime over each window, 24 h response times and the 90 daily bars: two queries
    (7 days of hours, 90 days of days), the windows cut from them in memory."""
    hours = await read_rollups(
        session, RollupHour, monitor_id=monitor_id, since=WINDOWS["7d"].first_bucket(now)
    )
    days = await read_rollups(
        session, RollupDay, monitor_id=monitor_id, since=WINDOWS["90d"].first_bucket(now)
    )
    windows: dict[str, Aggregate] = {}
    for name in WINDOWS:
        first = WINDOWS[name].first_bucket(now)
        rows = hours if WINDOWS[name].resolution == "hour" else days
        windows[name] = merge_all(r.to_aggregate() for r in rows if r.bucket_start >= first)
    by_day = {r.bucket_start: (r.count or 0, r.failures or 0) for r in days}
    last_24h = windows["24h"]
    return MonitorSummary(
        uptime={name: aggregate.uptime_percent for name, aggregate in windows.items()},
        avg_ms_24h=last_24h.rt_avg,
        p95_ms_24h=last_24h.rt_percentile(95),
        days=uptime_days(by_day, now=now),
    )


def uptime_days(by_day: Mapping[datetime, tuple[int, int]], *, now: datetime) -> list[UptimeDay]:
    """The 90 daily bars, oldest first, from (count, failures) by day; a day missing
    from `by_day` is a bar without data."""
    first_day = WINDOWS["90d"].first_bucket(now)
    bars = []
    for offset in range(90):
        day = first_day + offset * BUCKET_LENGTH["day"]
        count, failures = by_day.get(day, (0, 0))
        bars.append(UptimeDay(day, _percent(count, failures), count, failures))
    return bars
