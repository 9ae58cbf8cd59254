"""The audit log is written in the change's transaction, on SQLite and PostgreSQL: a
change rolled back leaves no entry; a bulk change names who acted."""

from __future__ import annotations

from sqlalchemy import select

from betteruptime.db.models import AuditEntry
from betteruptime.db.session import AtomicSession, SessionFactory
from betteruptime.domain.audit import Actor
from betteruptime.schemas.monitor_bulk import MonitorBulk
from betteruptime.schemas.monitors import MonitorCreate
from betteruptime.services import audit, monitor_bulk, monitors, organizations, users
from betteruptime.settings import Settings

SETTINGS = Settings(min_interval=10, region="eu-west", _env_file=None)
ALICE = "alice@example.com"


async def _organization(sessions: SessionFactory) -> int:
    async with sessions() as session:
        user = await users.create_user(session, email=ALICE, password="a long password 1")
        return await organizations.personal_organization_id(session, user=user)


async def _actions(sessions: SessionFactory) -> list[tuple[str, str, str]]:
    async with sessions() as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.action, e.actor_type, e.actor_name) for e in rows]


async def test_a_change_rolled_back_leaves_no_entry(sessions: SessionFactory) -> None:
    organization_id = await _organization(sessions)
    async with (
        sessions() as session,
        AtomicSession(bind=session.bind, expire_on_commit=False) as atomic,
    ):
        audit.act_as(atomic, Actor("user", 1, ALICE))
        data = MonitorCreate(name="gone", url="https://example.com/")
        await monitors.create_monitor(
            atomic, organization_id=organization_id, data=data, settings=SETTINGS
        )
        # never finished: rolled back

    assert await _actions(sessions) == []


async def test_a_committed_change_has_its_entry_with_the_actor(sessions: SessionFactory) -> None:
    organization_id = await _organization(sessions)
    async with sessions() as session:
        audit.act_as(session, Actor("token", 7, "deploy bot"))
        data = MonitorCreate(name="kept", url="https://example.com/")
        record = await monitors.create_monitor(
            session, organization_id=organization_id, data=data, settings=SETTINGS
        )
        bulk = MonitorBulk(action="pause", ids=[record.monitor.id])
        await monitor_bulk.apply_bulk(session, organization_id=organization_id, bulk=bulk)

    assert await _actions(sessions) == [
        ("monitor.create", "token", "deploy bot"),
        ("monitor.pause", "token", "deploy bot"),
    ]


async def test_without_a_request_the_system_acts(sessions: SessionFactory) -> None:
    organization_id = await _organization(sessions)
    async with sessions() as session:
        data = MonitorCreate(name="by the system", url="https://example.com/")
        await monitors.create_monitor(
            session, organization_id=organization_id, data=data, settings=SETTINGS
        )

    assert await _actions(sessions) == [("monitor.create", "system", "system")]
