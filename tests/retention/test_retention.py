"""Retention against real SQLite and PostgreSQL: old rows go, recent ones stay."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from betteruptime.db.models import (
    AuditEntry,
    Channel,
    Check,
    DeadLetter,
    DeliveryAttempt,
    Notification,
    OutboxEvent,
    RollupDay,
    RollupHour,
    RollupMinute,
    User,
)
from betteruptime.db.partitions import LIST_SQL, create_partition_sql, partition_name
from betteruptime.db.session import SessionFactory
from betteruptime.retention.prune import apply_retention
from betteruptime.services.organizations import create_personal_organization

NOW = datetime.now(UTC).replace(microsecond=0)
MonitorFactory = Callable[..., Awaitable[int]]


def check(monitor_id: int, age: timedelta) -> Check:
    due = NOW - age
    return Check(monitor_id=monitor_id, region="default", due_at=due, checked_at=due, up=True)


async def counts(sessions: SessionFactory) -> dict[str, int]:
    async with sessions() as session:
        return {
            model.__tablename__: int(
                await session.scalar(select(func.count()).select_from(model)) or 0
            )
            for model in (Check, RollupMinute, RollupHour, RollupDay)
        }


async def test_it_keeps_raw_checks_for_the_retention_period_and_rollups_by_resolution(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor()
    async with sessions() as session, session.begin():
        session.add_all([check(monitor_id, timedelta(days=age)) for age in (0, 1, 29, 31, 45)])
        for model, ages in (
            (RollupMinute, (timedelta(hours=1), timedelta(hours=49))),
            (RollupHour, (timedelta(days=1), timedelta(days=91))),
            (RollupDay, (timedelta(days=1), timedelta(days=400))),
        ):
            for age in ages:
                session.add(
                    model(
                        monitor_id=monitor_id,
                        bucket_start=NOW - age,
                        count=1,
                        failures=0,
                        rt_count=0,
                        rt_sum=0.0,
                        histogram="",
                    )
                )
    report = await apply_retention(sessions, now=NOW, retention_days=30)
    left = await counts(sessions)
    assert left == {"checks": 3, "rollups_minute": 1, "rollups_hour": 1, "rollups_day": 2}
    assert report.rollups_deleted == 2


async def test_on_postgresql_old_days_go_as_whole_partitions_and_new_ones_are_made_ahead(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    async with sessions() as session, session.begin():
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("partitions are PostgreSQL's; SQLite is covered by the test above")
        old_day = (NOW - timedelta(days=40)).date()
        await session.execute(text(create_partition_sql(old_day)))
    monitor_id = await make_monitor()
    async with sessions() as session, session.begin():
        session.add(check(monitor_id, timedelta(days=40)))
    report = await apply_retention(sessions, now=NOW, retention_days=30)
    async with sessions() as session:
        names = set((await session.scalars(text(LIST_SQL))).all())
    assert partition_name(old_day) in report.partitions_dropped
    assert partition_name(old_day) not in names
    assert partition_name((NOW + timedelta(days=3)).date()) in names
    assert (await counts(sessions))["checks"] == 0


async def test_alert_history_goes_after_ninety_days_but_unfinished_work_stays(
    sessions: SessionFactory,
) -> None:
    old, recent = NOW - timedelta(days=91), NOW - timedelta(days=89)
    async with sessions() as session, session.begin():
        user = User(email="history@example.com", password_hash="x")
        session.add(user)
        await session.flush()
        organization = await create_personal_organization(session, user=user)
        channel = Channel(organization_id=organization.id, name="hook", url="json://example.com/")
        session.add(channel)
        await session.flush()
        for key, (created, status) in enumerate(
            [(old, "sent"), (old, "failed"), (old, "pending"), (recent, "sent")]
        ):
            notification = Notification(
                channel_id=channel.id,
                key=str(key),
                kind="down",
                payload={},
                status=status,
                escalation=False,
                attempts=1,
                next_attempt_at=created,
                created_at=created,
            )
            session.add(notification)
            await session.flush()
            session.add(
                DeliveryAttempt(
                    notification_id=notification.id,
                    attempt=1,
                    started_at=created,
                    finished_at=created,
                    ok=status == "sent",
                )
            )
        for published, planned in ((old, old), (recent, recent), (None, None), (old, None)):
            session.add(
                OutboxEvent(
                    type="down", monitor_id=1, at=old, published_at=published, planned_at=planned
                )
            )
        for created in (old, recent):
            session.add(DeadLetter(entry_id="1-0", body="x", reason="r", created_at=created))

    report = await apply_retention(sessions, now=NOW, retention_days=30)

    async with sessions() as session:
        statuses = (await session.scalars(select(Notification.status))).all()
        attempts = await session.scalar(select(func.count()).select_from(DeliveryAttempt))
        published = (await session.scalars(select(OutboxEvent.published_at))).all()
        letters = (await session.scalars(select(DeadLetter.created_at))).all()
    assert sorted(statuses) == ["pending", "sent"]
    assert attempts == 2
    # Kept: the recent one, the unpublished one, and the old one no notifier planned.
    assert sorted(published, key=lambda p: (p is None, p)) == [old, recent, None]
    assert letters == [recent]
    assert report.alert_rows_deleted == 4


async def test_the_audit_log_is_kept_for_a_year(sessions: SessionFactory) -> None:
    kept, gone = NOW - timedelta(days=364), NOW - timedelta(days=366)
    async with sessions() as session, session.begin():
        user = User(email="audit@example.com", password_hash="x")
        session.add(user)
        await session.flush()
        organization = await create_personal_organization(session, user=user)
        for at in (kept, gone):
            session.add(
                AuditEntry(
                    organization_id=organization.id,
                    at=at,
                    actor_type="user",
                    actor_name=user.email,
                    action="monitor.create",
                    changes={},
                )
            )

    report = await apply_retention(sessions, now=NOW, retention_days=30)

    async with sessions() as session:
        left = (await session.scalars(select(AuditEntry.at))).all()
    assert left == [kept]
    assert report.audit_entries_deleted == 1
