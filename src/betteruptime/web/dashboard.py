"""What the dashboard pages show, read in a few queries per page, never one per monitor.

The overview reads three things for all of a user's monitors at once: monitors joined
with their states, the hour rollups of the last 24 h (sparklines and 24 h uptime), and
the day rollups of 30 days summed per monitor in the database, and which regions have a
live worker, for each monitor's warnings; one more, the minute rollups of monitors
younger than an hour, only when there are such monitors. Uptime and response times come
from rollups only, as the stats API's do (services/stats.py), so both agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import (
    Monitor,
    MonitorState,
    Rollup,
    RollupDay,
    RollupHour,
    RollupMinute,
)
from betteruptime.db.types import epoch_bucket
from betteruptime.domain.quorum import region_warnings
from betteruptime.domain.rollups import (
    BUCKET_LENGTH,
    WINDOWS,
    Aggregate,
    Resolution,
    bucket_start,
    merge_all,
)
from betteruptime.services.regions import live_workers
from betteruptime.web.overview_labels import joined_tags, mark_in_maintenance, split_tags

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
    created_at: datetime | None = None
    uptime_24h: float | None = None
    uptime_30d: float | None = None
    # The average response time of each hour of the last 24 h, oldest first; None: no
    # data. A younger monitor's covers its life (see sparkline_start).
    sparkline: list[float | None] = field(default_factory=list)
    # Where the sparkline starts when that is not 24 h ago.
    sparkline_since: datetime | None = None
    # What keeps it from being checked as configured ("no live worker in eu").
    warnings: list[str] = field(default_factory=list)
    group: str | None = None
    tags: list[str] = field(default_factory=list)
    # An active maintenance window covers it: failures page nobody.
    in_maintenance: bool = False


def display_target(kind: str, url: str | None) -> str:
    """What a monitor watches, for display: a URL without its password."""
    if kind == "multistep":
        return "multi-step API check"
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


async def overview_rows(
    session: AsyncSession, *, organization_id: int, now: datetime
) -> list[MonitorRow]:
    """Every monitor of the organization with its status, uptimes and sparkline."""
    statement = (
        select(
            Monitor.id,
            Monitor.name,
            Monitor.kind,
            Monitor.url,
            Monitor.paused,
            Monitor.created_at,
            Monitor.regions,
            Monitor.min_failed_regions,
            Monitor.group,
            joined_tags().label("tags"),
            MonitorState.status,
            MonitorState.last_checked_at,
            MonitorState.last_error,
        )
        .outerjoin(MonitorState, MonitorState.monitor_id == Monitor.id)
        .where(Monitor.organization_id == organization_id)
    )
    live = await live_workers(session)
    rows = {
        r.id: MonitorRow(
            id=r.id,
            name=r.name,
            kind=r.kind,
            target=display_target(r.kind, r.url),
            status=status_of(r.paused, r.status),
            last_checked_at=r.last_checked_at,
            last_error=r.last_error,
            created_at=r.created_at,
            warnings=region_warnings(
                r.kind, r.regions, live=live.for_kind(r.kind), min_failed=r.min_failed_regions
            ),
            group=r.group,
            tags=split_tags(r.tags),
        )
        for r in (await session.execute(statement)).all()
    }
    if rows:
        await mark_in_maintenance(session, rows, now=now)
        await _fill_last_24h(session, rows, organization_id=organization_id, now=now)
        await _fill_30d(session, rows, organization_id=organization_id, now=now)
    return sorted(rows.values(), key=lambda r: (_STATUS_ORDER[r.status], r.name.lower(), r.id))


def sparkline_start(
    *, created_at: datetime | None, oldest_data: datetime | None, now: datetime
) -> tuple[Resolution, datetime] | None:
    """Where a monitor's sparkline starts, and by what it is cut: None for the last 24 h
    by hour. A monitor younger than that has a sparkline of its own life instead of 24 h
    of mostly nothing: by hour from the hour it began, or, younger than an hour, its
    answers minute by minute. It began when it was made, or with its oldest data if that
    is from an earlier hour (data imported for it)."""
    if created_at is None:
        return None
    life = created_at
    if oldest_data is not None and oldest_data < bucket_start(created_at, "hour"):
        life = oldest_data
    if bucket_start(life, "hour") <= WINDOWS["24h"].first_bucket(now):
        return None
    if now - life <= BUCKET_LENGTH["hour"]:
        return "minute", bucket_start(life, "minute")
    return "hour", bucket_start(life, "hour")


async def _averages(
    session: AsyncSession,
    model: type[Rollup],
    resolution: Resolution,
    *,
    since: datetime,
    condition: Any,
) -> list[Any]:
    """Per monitor: checks, failures, the oldest bucket, and every bucket's average
    response time joined in one string ("bucket:average,...", buckets counted from the
    epoch). With 1,000 monitors that is 1,000 rows instead of 24,000, and no timestamp to
    parse per row, which is what cost most."""
    seconds = int(BUCKET_LENGTH[resolution].total_seconds())
    bucket = epoch_bucket(model.bucket_start, seconds, session.get_bind().dialect.name)
    # NULLIF: an hour of failures only has no average (and PostgreSQL no division by 0).
    average = model.rt_sum / func.nullif(model.rt_count, 0)
    point = cast(bucket, String).concat(":").concat(cast(average, String))
    statement = (
        select(
            model.monitor_id,
            func.sum(model.count),
            func.sum(model.failures),
            func.min(model.bucket_start),
            func.aggregate_strings(point, ","),
        )
        .join(Monitor, Monitor.id == model.monitor_id)
        .where(condition, model.bucket_start >= since)
        .group_by(model.monitor_id)
    )
    return list((await session.execute(statement)).all())


def _bucket_number(moment: datetime, resolution: Resolution) -> int:
    return int(moment.timestamp()) // int(BUCKET_LENGTH[resolution].total_seconds())


async def _fill_last_24h(
    session: AsyncSession, rows: dict[int, MonitorRow], *, organization_id: int, now: datetime
) -> None:
    """24 h uptime and the hourly sparkline (a young monitor's: of its life)."""
    window = WINDOWS["24h"]
    first = window.first_bucket(now)
    slots = int(window.length / BUCKET_LENGTH["hour"])
    oldest: dict[int, datetime] = {}
    mine = Monitor.organization_id == organization_id
    hourly = await _averages(session, RollupHour, "hour", since=first, condition=mine)
    for monitor_id, count, failures, oldest_bucket, points in hourly:
        row = rows[monitor_id]
        row.uptime_24h = _percent(int(count or 0), int(failures or 0))
        row.sparkline = _sparkline(
            points or "", first_slot=_bucket_number(first, "hour"), slots=slots
        )
        oldest[monitor_id] = oldest_bucket
    minutes: dict[int, datetime] = {}
    for row in rows.values():
        if not row.sparkline:
            row.sparkline = [None] * slots
        span = sparkline_start(created_at=row.created_at, oldest_data=oldest.get(row.id), now=now)
        if span is None:
            continue
        resolution, row.sparkline_since = span
        if resolution == "hour":
            row.sparkline = row.sparkline[int((span[1] - first) / BUCKET_LENGTH["hour"]) :]
        else:
            minutes[row.id] = span[1]  # its minutes instead
    if minutes:
        await _fill_minutes(session, rows, minutes, organization_id=organization_id, now=now)


async def _fill_minutes(
    session: AsyncSession,
    rows: dict[int, MonitorRow],
    starts: dict[int, datetime],
    *,
    organization_id: int,
    now: datetime,
) -> None:
    """The sparklines of monitors younger than an hour: the average of each minute they
    answered in, in order. A minute without an answer (a check every 2 minutes, or the
    minute now begun) is left out rather than drawn as a gap: so few points would be
    dots, not a line."""
    for monitor_id in starts:
        rows[monitor_id].sparkline = []
    since = min(starts.values())
    # By creation, not by a list of ids: a thousand monitors made at once stay one query.
    young = (Monitor.organization_id == organization_id) & (Monitor.created_at >= since)
    for monitor_id, _, _, _, points in await _averages(
        session, RollupMinute, "minute", since=since, condition=young
    ):
        if monitor_id not in starts:  # made in the hour, but with data from before
            continue
        first_slot = _bucket_number(starts[monitor_id], "minute")
        slots = _bucket_number(now, "minute") - first_slot + 1
        answers = _sparkline(points or "", first_slot=first_slot, slots=slots)
        rows[monitor_id].sparkline = [value for value in answers if value is not None]


def _sparkline(points: str, *, first_slot: int, slots: int) -> list[float | None]:
    values: list[float | None] = [None] * slots
    for point in points.split(","):
        slot, _, average = point.partition(":")
        if average and 0 <= int(slot) - first_slot < slots:
            values[int(slot) - first_slot] = float(average)
    return values


async def _fill_30d(
    session: AsyncSession, rows: dict[int, MonitorRow], *, organization_id: int, now: datetime
) -> None:
    statement = (
        select(RollupDay.monitor_id, func.sum(RollupDay.count), func.sum(RollupDay.failures))
        .join(Monitor, Monitor.id == RollupDay.monitor_id)
        .where(
            Monitor.organization_id == organization_id,
            RollupDay.bucket_start >= WINDOWS["30d"].first_bucket(now),
        )
        .group_by(RollupDay.monitor_id)
    )
    for monitor_id, count, failures in (await session.execute(statement)).all():
        rows[monitor_id].uptime_30d = _percent(int(count or 0), int(failures or 0))


def filter_rows(
    rows: list[MonitorRow],
    *,
    status: str,
    query: str,
    tags: Sequence[str] = (),
    group: str = "",
) -> list[MonitorRow]:
    """Rows of one status (all when empty) whose name or target contains the query,
    with every one of `tags`, in `group` (any when empty)."""
    needle = query.strip().lower()
    return [
        row
        for row in rows
        if (not status or row.status == status)
        and (not needle or needle in row.name.lower() or needle in row.target.lower())
        and all(tag in row.tags for tag in tags)
        and (not group or row.group == group)
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
