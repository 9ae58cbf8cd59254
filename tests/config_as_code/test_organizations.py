"""Config as code per organization (`--organization`), on SQLite and PostgreSQL: by id or
name, the personal one by default, refused for non-members and for roles below admin;
what apply changes is in the organization's audit log, by the user."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from betteruptime.config_as_code.apply import apply_text
from betteruptime.config_as_code.document import ConfigError
from betteruptime.config_as_code.export import export_text
from betteruptime.db.models import AuditEntry, Membership, Monitor, Organization, User
from betteruptime.db.session import SessionFactory
from betteruptime.services.organizations import create_personal_organization
from betteruptime.settings import Settings

FILE = "monitors:\n  - {name: api, url: 'https://api.example.com/health'}\n"
OPS = "ops@example.com"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, region="eu", min_interval=10, _env_file=None)


@pytest.fixture
async def team(sessions: SessionFactory) -> int:
    """A team "Ops" where ops@ is admin and viewer@ a viewer; both have personal ones."""
    async with sessions() as session, session.begin():
        users = {}
        for email in (OPS, "viewer@example.com", "stranger@example.com"):
            users[email] = User(email=email, password_hash="x")
            session.add(users[email])
            await session.flush()
            await create_personal_organization(session, user=users[email])
        organization = Organization(name="Ops", personal=False)
        session.add(organization)
        await session.flush()
        session.add(
            Membership(organization_id=organization.id, user_id=users[OPS].id, role="admin")
        )
        session.add(
            Membership(
                organization_id=organization.id,
                user_id=users["viewer@example.com"].id,
                role="viewer",
            )
        )
        return organization.id


async def _organizations_of_monitors(sessions: SessionFactory) -> list[int]:
    async with sessions() as session:
        return list((await session.scalars(select(Monitor.organization_id))).all())


@pytest.mark.parametrize("by", ["id", "name"])
async def test_apply_and_export_act_in_the_organization_named(
    sessions: SessionFactory, settings: Settings, team: int, by: str
) -> None:
    named = str(team) if by == "id" else " ops "
    async with sessions() as session:
        await apply_text(session, text=FILE, settings=settings, email=OPS, organization=named)
        exported = await export_text(session, email=OPS, organization=named)
        personal = await export_text(session, email=OPS)
        entries = (await session.scalars(select(AuditEntry))).all()

    assert await _organizations_of_monitors(sessions) == [team]
    assert "api.example.com" in exported
    assert "api.example.com" not in personal
    assert [(e.organization_id, e.action, e.actor_name) for e in entries] == [
        (team, "monitor.create", OPS)
    ]


async def test_by_default_it_is_the_personal_organization(
    sessions: SessionFactory, settings: Settings, team: int
) -> None:
    async with sessions() as session:
        await apply_text(session, text=FILE, settings=settings, email=OPS)

    assert team not in await _organizations_of_monitors(sessions)


@pytest.mark.parametrize(
    ("email", "named", "message"),
    [
        ("stranger@example.com", "Ops", "is not a member of an organization 'Ops'"),
        (OPS, "99999", "is not a member of an organization '99999'"),
        (OPS, "Nope", "is not a member"),
        ("viewer@example.com", "Ops", "is viewer of 'Ops': config as code needs an admin"),
    ],
)
async def test_it_refuses_unknown_organizations_non_members_and_low_roles(
    sessions: SessionFactory, settings: Settings, team: int, email: str, named: str, message: str
) -> None:
    async with sessions() as session:
        with pytest.raises(ConfigError) as raised:
            await apply_text(session, text=FILE, settings=settings, email=email, organization=named)
        with pytest.raises(ConfigError):
            await export_text(session, email=email, organization=named)

    assert message in raised.value.problems[0]
    assert await _organizations_of_monitors(sessions) == []
