"""Retention: raw checks (and browser checks' failure screenshots) for
`BETTERUPTIME_RETENTION_DAYS`, minute rollups for 48 hours,
hour rollups for 90 days, day rollups for good; alert history (events, notifications and
their delivery attempts, dead letters) for 90 days, like the incident timelines that show it;
the audit log for 365 days (by `at`, which an index covers). Run by
the active scheduler every hour, never inline on the ingest path.

Deletes go by monitor and time range, which the primary keys cover, so their cost is the
rows removed, not the table size; on PostgreSQL old checks go as whole daily partitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from betteruptime.db.models import (
    AuditEntry,
    Base,
    Check,
    CheckScreenshot,
    DeadLetter,
    Monitor,
    Notification,
    OutboxEvent,
    RollupHour,
    RollupMinute,
)
from betteruptime.db.partitions import (
    LIST_SQL,
    create_partition_sql,
    days_to_create,
    partition_name,
    partitions_to_drop,
)
from betteruptime.db.session import SessionFactory
from betteruptime.domain.audit import RETENTION_DAYS as AUDIT_DAYS

MINUTE_ROLLUPS_KEPT = timedelta(hours=48)
HOUR_ROLLUPS_KEPT = timedelta(days=90)
ALERT_HISTORY_KEPT = timedelta(days=90)
AUDIT_LOG_KEPT = timedelta(days=AUDIT_DAYS)
# Notifications in these states are history; pending and sending ones are still work.
FINISHED = ("sent", "failed", "cancelled", "folded")
PARTITIONS_AHEAD = 3
MONITOR_CHUNK = 500


@dataclass
class RetentionReport:
    checks_deleted: int = 0
    screenshots_deleted: int = 0
    rollups_deleted: int = 0
    alert_rows_deleted: int = 0
    audit_entries_deleted: int = 0
    partitions_created: list[str] = field(default_factory=list)
    partitions_dropped: list[str] = field(default_factory=list)


async def apply_retention(
    sessions: SessionFactory, *, now: datetime, retention_days: int
) -> RetentionReport:
    report = RetentionReport()
    checks_cutoff = now - timedelta(days=retention_days)
    async with sessions() as session, session.begin():
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            await _manage_partitions(session, now=now, cutoff=checks_cutoff, report=report)
    await _prune_alert_history(sessions, cutoff=now - ALERT_HISTORY_KEPT, report=report)
    async with sessions() as session, session.begin():
        audit = await session.execute(
            delete(AuditEntry).where(AuditEntry.at < now - AUDIT_LOG_KEPT)
        )
    report.audit_entries_deleted = int(getattr(audit, "rowcount", 0) or 0)
    monitor_ids = await _monitor_ids(sessions)
    for start in range(0, len(monitor_ids), MONITOR_CHUNK):
        chunk = monitor_ids[start : start + MONITOR_CHUNK]
        async with sessions() as session, session.begin():
            # On PostgreSQL this reaches only what the partitions did not cover (the
            # DEFAULT partition); on SQLite it is the retention itself.
            report.checks_deleted += await _delete(
                session, Check, Check.monitor_id, Check.due_at, chunk, checks_cutoff
            )
            # Failure screenshots of browser checks are kept as long as their checks.
            report.screenshots_deleted += await _delete(
                session,
                CheckScreenshot,
                CheckScreenshot.monitor_id,
                CheckScreenshot.due_at,
                chunk,
                checks_cutoff,
            )
            report.rollups_deleted += await _delete(
                session,
                RollupMinute,
                RollupMinute.monitor_id,
                RollupMinute.bucket_start,
                chunk,
                now - MINUTE_ROLLUPS_KEPT,
            )
            report.rollups_deleted += await _delete(
                session,
                RollupHour,
                RollupHour.monitor_id,
                RollupHour.bucket_start,
                chunk,
                now - HOUR_ROLLUPS_KEPT,
            )
    return report


async def _prune_alert_history(
    sessions: SessionFactory, *, cutoff: datetime, report: RetentionReport
) -> None:
    async with sessions() as session, session.begin():
        # Delivery attempts go with their notifications (foreign-key cascade).
        notifications = await session.execute(
            delete(Notification).where(
                Notification.created_at < cutoff, Notification.status.in_(FINISHED)
            )
        )
        # Events no notifier has planned are still owed, whatever their age (an unplanned
        # one is published again every few minutes, so its published_at stays recent).
        events = await session.execute(
            delete(OutboxEvent).where(
                OutboxEvent.published_at < cutoff, OutboxEvent.planned_at.is_not(None)
            )
        )
        letters = await session.execute(delete(DeadLetter).where(DeadLetter.created_at < cutoff))
    for result in (notifications, events, letters):
        report.alert_rows_deleted += int(getattr(result, "rowcount", 0) or 0)


async def _monitor_ids(sessions: SessionFactory) -> list[int]:
    # Rows of deleted monitors are removed with them, so live ids cover every row.
    async with sessions() as session:
        return list((await session.scalars(select(Monitor.id).order_by(Monitor.id))).all())


async def _delete(
    session: AsyncSession,
    model: type[Base],
    key: InstrumentedAttribute[int],
    moment: InstrumentedAttribute[datetime],
    ids: list[int],
    cutoff: datetime,
) -> int:
    result = await session.execute(delete(model).where(key.in_(ids), moment < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


async def _manage_partitions(
    session: AsyncSession, *, now: datetime, cutoff: datetime, report: RetentionReport
) -> None:
    existing = list((await session.scalars(text(LIST_SQL))).all())
    for day in days_to_create(now.date(), PARTITIONS_AHEAD):
        name = partition_name(day)
        if name not in existing:
            await session.execute(text(create_partition_sql(day)))
            report.partitions_created.append(name)
    for name in partitions_to_drop(existing, keep_from=cutoff.date()):
        await session.execute(text(f"DROP TABLE IF EXISTS {name}"))
        report.partitions_dropped.append(name)
