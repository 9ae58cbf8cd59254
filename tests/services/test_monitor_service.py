"""Monitor service rules and deletion, against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select

from betteruptime.db.models import (
    ROLLUP_MODELS,
    Check,
    Incident,
    Monitor,
    MonitorState,
    OutboxEvent,
)
from betteruptime.db.session import SessionFactory
from betteruptime.services import monitors
from betteruptime.settings import Settings

SETTINGS = Settings(min_interval=30, region="eu-west", _env_file=None)
GOOD: dict[str, Any] = {
    "kind": "http",
    "url": "https://example.com/",
    "interval_seconds": 60,
    "timeout_seconds": 10.0,
    "keyword": None,
    "json_path": None,
}

# Every table that holds rows about a monitor.
RECORD_MODELS: tuple[type[Any], ...] = (
    Check,
    OutboxEvent,
    Incident,
    MonitorState,
    *ROLLUP_MODELS.values(),
)


def test_a_valid_monitor_breaks_no_rules() -> None:
    assert monitors.check_rules(GOOD, settings=SETTINGS) == []


def test_it_names_each_broken_cross_field_rule() -> None:
    values = {**GOOD, "kind": "keyword", "interval_seconds": 20, "timeout_seconds": 20}

    problems = monitors.check_rules(values, settings=SETTINGS)

    assert [p.field for p in problems] == ["interval_seconds", "timeout_seconds", "keyword"]
    assert "at least 30 seconds" in problems[0].message


async def test_deleting_a_monitor_removes_its_rows_from_every_table(
    sessions: SessionFactory, make_monitor: Any
) -> None:
    doomed, kept = await make_monitor(), await make_monitor()
    now = datetime.now(UTC).replace(microsecond=0)
    async with sessions() as session:
        for monitor_id in (doomed, kept):
            await session.execute(
                insert(Check).values(
                    monitor_id=monitor_id, region="r", due_at=now, checked_at=now, up=True
                )
            )
            await session.execute(
                insert(OutboxEvent).values(type="up", monitor_id=monitor_id, at=now)
            )
            session.add(Incident(monitor_id=monitor_id, started_at=now))
            for model in ROLLUP_MODELS.values():
                session.add(model(monitor_id=monitor_id, bucket_start=now, histogram=""))
        await session.commit()

    async with sessions() as session:
        organization_id = await session.scalar(
            select(Monitor.organization_id).where(Monitor.id == doomed)
        )
        assert organization_id is not None
        record = await monitors.get_monitor(
            session, organization_id=organization_id, monitor_id=doomed
        )
        assert record is not None
        await monitors.delete_monitor(session, monitor=record.monitor)

    async with sessions() as session:
        for model in RECORD_MODELS:
            assert set(await session.scalars(select(model.monitor_id))) == {kept}
        assert await session.scalar(select(func.count()).select_from(Check)) == 1
