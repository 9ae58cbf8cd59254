"""What a public status page shows, read in a fixed number of queries however many
monitors it has: the monitors with their states, 90 days of day rollups for all of them,
and their incidents of the last 90 days.

Only what the page's owner chose to publish leaves here: each chosen monitor's name,
status, daily uptime and incidents. Never a monitor's URL or target, its id, or anything
of a monitor not on the page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.alerting.render import format_duration
from betteruptime.db.models import Incident, Monitor, MonitorState, RollupDay, StatusPageMonitor
from betteruptime.domain.rollups import WINDOWS, Aggregate
from betteruptime.services.status_pages import StatusPageRecord
from betteruptime.web.dashboard import UptimeDay, status_of, uptime_days
from betteruptime.web.formatting import iso

Overall = Literal["operational", "partial_outage", "major_outage"]
OVERALL_TEXT: dict[Overall, str] = {
    "operational": "All systems operational",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
}
# The history shows at most this many incidents: a flapping monitor must not make the
# page (and its JSON) grow without bound.
MAX_INCIDENTS = 50


@dataclass(slots=True)
class PublicMonitor:
    name: str
    status: str
    uptime_90d: float | None
    days: list[UptimeDay]


@dataclass(slots=True)
class PublicIncident:
    monitor_name: str
    status: str
    started_at: datetime
    resolved_at: datetime | None
    duration_seconds: int
    # No cause: it is the probe's error text (addresses, ports, response bodies) and the
    # page is public. Visitors learn which service was down and for how long.

    @property
    def duration(self) -> str:
        return format_duration(self.duration_seconds)


@dataclass(slots=True)
class PublicStatus:
    slug: str
    title: str
    status: Overall
    monitors: list[PublicMonitor]
    incidents: list[PublicIncident]
    updated_at: datetime

    @property
    def status_text(self) -> str:
        return OVERALL_TEXT[self.status]

    @property
    def open_incidents(self) -> list[PublicIncident]:
        return [incident for incident in self.incidents if incident.status == "open"]

    @property
    def past_incidents(self) -> list[PublicIncident]:
        return [incident for incident in self.incidents if incident.status != "open"]


def overall_status(statuses: Sequence[str]) -> Overall:
    """Major when every monitor that is not paused is down; partial when some are down or
    degraded; otherwise operational (pending counts as not known to be down)."""
    watched = [status for status in statuses if status != "paused"]
    if watched and all(status == "down" for status in watched):
        return "major_outage"
    if any(status in ("down", "degraded") for status in watched):
        return "partial_outage"
    return "operational"


async def public_status(
    session: AsyncSession, *, record: StatusPageRecord, now: datetime
) -> PublicStatus:
    ids = record.monitor_ids
    monitors = await _monitors(session, ids, now=now)
    names = {monitor_id: monitor.name for monitor_id, monitor in monitors.items()}
    shown = [monitors[monitor_id] for monitor_id in ids if monitor_id in monitors]
    return PublicStatus(
        slug=record.page.slug,
        title=record.page.title,
        status=overall_status([monitor.status for monitor in shown]),
        monitors=shown,
        incidents=await _incidents(session, names, now=now),
        updated_at=now,
    )


async def published_status(session: AsyncSession, *, monitor_id: int) -> str | None:
    """A monitor's status if it is on at least one status page (which makes it public);
    None otherwise, as for a monitor that does not exist."""
    statement = (
        select(Monitor.paused, MonitorState.status)
        .outerjoin(MonitorState, MonitorState.monitor_id == Monitor.id)
        .where(
            Monitor.id == monitor_id,
            exists().where(StatusPageMonitor.monitor_id == Monitor.id),
        )
    )
    row = (await session.execute(statement)).one_or_none()
    return None if row is None else status_of(row.paused, row.status)


async def _monitors(
    session: AsyncSession, ids: Sequence[int], *, now: datetime
) -> dict[int, PublicMonitor]:
    if not ids:
        return {}
    statement = (
        select(Monitor.id, Monitor.name, Monitor.paused, MonitorState.status)
        .outerjoin(MonitorState, MonitorState.monitor_id == Monitor.id)
        .where(Monitor.id.in_(ids))
    )
    rows = (await session.execute(statement)).all()
    by_day = await _day_counts(session, ids, now=now)
    found = {}
    for monitor_id, name, paused, status in rows:
        days = uptime_days(by_day[monitor_id], now=now)
        total = Aggregate(
            count=sum(day.count for day in days), failures=sum(day.failures for day in days)
        )
        found[monitor_id] = PublicMonitor(
            name=name,
            status=status_of(paused, status),
            uptime_90d=total.uptime_percent,
            days=days,
        )
    return found


async def _day_counts(
    session: AsyncSession, ids: Sequence[int], *, now: datetime
) -> dict[int, dict[datetime, tuple[int, int]]]:
    """(count, failures) by day of 90 days, for all the monitors in one query."""
    statement = select(
        RollupDay.monitor_id, RollupDay.bucket_start, RollupDay.count, RollupDay.failures
    ).where(
        RollupDay.monitor_id.in_(ids),
        RollupDay.bucket_start >= WINDOWS["90d"].first_bucket(now),
    )
    counts: dict[int, dict[datetime, tuple[int, int]]] = defaultdict(dict)
    for monitor_id, day, count, failures in (await session.execute(statement)).all():
        counts[monitor_id][day] = (count or 0, failures or 0)
    return counts


async def _incidents(
    session: AsyncSession, names: dict[int, str], *, now: datetime
) -> list[PublicIncident]:
    """Open incidents whenever they began, and those of the last 90 days; newest first."""
    if not names:
        return []
    since = WINDOWS["90d"].first_bucket(now)
    statement = (
        select(Incident)
        .where(
            Incident.monitor_id.in_(names),
            or_(Incident.status == "open", Incident.started_at >= since),
        )
        .order_by(Incident.started_at.desc(), Incident.id.desc())
        .limit(MAX_INCIDENTS)
    )
    return [
        PublicIncident(
            monitor_name=names[incident.monitor_id],
            status=incident.status,
            started_at=incident.started_at,
            resolved_at=incident.resolved_at,
            duration_seconds=max(
                0, int(((incident.resolved_at or now) - incident.started_at).total_seconds())
            ),
        )
        for incident in await session.scalars(statement)
    ]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def as_json(status: PublicStatus) -> dict[str, Any]:
    """The page as data, for /status/<slug>.json: the same facts the HTML shows."""
    return {
        "slug": status.slug,
        "title": status.title,
        "status": status.status,
        "status_text": status.status_text,
        "updated_at": iso(status.updated_at),
        "monitors": [
            {
                "name": monitor.name,
                "status": monitor.status,
                "uptime_90d": _rounded(monitor.uptime_90d),
                "days": [
                    {"date": day.day.date().isoformat(), "uptime": _rounded(day.uptime)}
                    for day in monitor.days
                ],
            }
            for monitor in status.monitors
        ],
        "incidents": [
            {
                "monitor": incident.monitor_name,
                "status": incident.status,
                "started_at": iso(incident.started_at),
                "resolved_at": iso(incident.resolved_at) or None,
                "duration_seconds": incident.duration_seconds,
            }
            for incident in status.incidents
        ],
    }
