"""What the dashboard pages show, read in a few queries per page, never one per monitor.

The overview reads three things for all of a user's monitors at once: monitors joined
with their states, the hour rollups of the last 24 h (sparklines and 24 h uptime), and
the day rollups of 30 days summed per monitor in the database. Uptime and response
times come from rollups only, as the stats API's do (services/stats.py), so both agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import (
    ROLLUP_MODELS,
    Monitor,
    MonitorState,
    Rollup,
    RollupDay,
    RollupHour,
)
from betteruptime.domain.rollups import (
    BUCKET_LENGTH,
    WINDOWS,
    Aggregate,
    Window,
    bucket_start,
    merge_all,
)

STATUSES = ("down", "degraded", "pending", "up", "paused")
# Needing attention first; within a status, by name.
_STATUS_ORDER = {status: rank for rank, status in enumerate(STATUSES)}
CHART_RANGES: dict[str, Window] = {
    "1h": Window("1h", timedelta(hours=1), "minute"),
    **WINDOWS,
}


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
    window = WINDOWS["24h"]
    first = window.first_bucket(now)
    slots = int(window.length / BUCKET_LENGTH["hour"])
    statement = (
        select(
            RollupHour.monitor_id,
            RollupHour.bucket_start,
            RollupHour.count,
            RollupHour.failures,
            RollupHour.rt_sum,
            RollupHour.rt_count,
        )
        .join(Monitor, Monitor.id == RollupHour.monitor_id)
        .where(Monitor.owner_id == owner_id, RollupHour.bucket_start >= first)
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    sparks: dict[int, list[float | None]] = {monitor_id: [None] * slots for monitor_id in rows}
    for monitor_id, start, count, failures, rt_sum, rt_count in (
        await session.execute(statement)
    ).all():
        totals = counts[monitor_id]
        totals[0] += count or 0
        totals[1] += failures or 0
        slot = int((start - first) / BUCKET_LENGTH["hour"])
        if 0 <= slot < slots and rt_count:
            sparks[monitor_id][slot] = rt_sum / rt_count
    for monitor_id, row in rows.items():
        row.uptime_24h = _percent(*counts[monitor_id]) if monitor_id in counts else None
        row.sparkline = sparks[monitor_id]


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


async def _rollups(
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
    hours = await _rollups(
        session, RollupHour, monitor_id=monitor_id, since=WINDOWS["7d"].first_bucket(now)
    )
    days = await _rollups(
        session, RollupDay, monitor_id=monitor_id, since=WINDOWS["90d"].first_bucket(now)
    )
    windows: dict[str, Aggregate] = {}
    for name in WINDOWS:
        first = WINDOWS[name].first_bucket(now)
        rows = hours if WINDOWS[name].resolution == "hour" else days
        windows[name] = merge_all(r.to_aggregate() for r in rows if r.bucket_start >= first)
    by_day = {r.bucket_start: r for r in days}
    first_day = WINDOWS["90d"].first_bucket(now)
    bars = []
    for offset in range(90):
        day = first_day + offset * BUCKET_LENGTH["day"]
        found = by_day.get(day)
        count, failures = (found.count or 0, found.failures or 0) if found else (0, 0)
        bars.append(UptimeDay(day, _percent(count, failures), count, failures))
    last_24h = windows["24h"]
    return MonitorSummary(
        uptime={name: aggregate.uptime_percent for name, aggregate in windows.items()},
        avg_ms_24h=last_24h.rt_avg,
        p95_ms_24h=last_24h.rt_percentile(95),
        days=bars,
    )


async def chart_series(
    session: AsyncSession, *, monitor_id: int, range_name: str, now: datetime
) -> dict[str, Any]:
    """uPlot's columns for one range: bucket times (epoch seconds) and, per bucket, the
    average and p95 response time and the failed checks. Every bucket of the range is
    present; one without data holds nulls, which uPlot draws as a gap."""
    window = CHART_RANGES[range_name]
    step = BUCKET_LENGTH[window.resolution]
    first = window.first_bucket(now)
    model = ROLLUP_MODELS[window.resolution]
    found = {
        r.bucket_start: r.to_aggregate()
        for r in await _rollups(session, model, monitor_id=monitor_id, since=first)
    }
    times: list[int] = []
    avg: list[float | None] = []
    p95: list[float | None] = []
    failures: list[int | None] = []
    moment, last = first, bucket_start(now, window.resolution)
    while moment <= last:
        aggregate = found.get(moment)
        times.append(int(moment.timestamp()))
        avg.append(_rounded(aggregate.rt_avg) if aggregate else None)
        p95.append(_rounded(aggregate.rt_percentile(95)) if aggregate else None)
        failures.append(aggregate.failures if aggregate else None)
        moment += step
    return {"range": range_name, "t": times, "avg": avg, "p95": p95, "failures": failures}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
