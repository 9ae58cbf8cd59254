"""Config as code carries tags and groups: applied, exported, and read back as no change
(SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select

from betteruptime.config_as_code.apply import apply_text
from betteruptime.config_as_code.document import ConfigError
from betteruptime.config_as_code.export import export_text
from betteruptime.db.models import MonitorTag, User
from betteruptime.db.session import SessionFactory
from betteruptime.services import monitors as monitor_service
from betteruptime.services.organizations import create_personal_organization
from betteruptime.settings import Settings

FILE = """
monitors:
  - name: api
    url: https://api.example.com/health
    tags: [web, prod, ' team:payments ']
    group: Shop
  - {name: plain, url: 'https://plain.example.com/'}
"""


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, region="eu", min_interval=10, _env_file=None)


@pytest.fixture
async def organization_id(sessions: SessionFactory) -> int:
    """The personal organization of the user the files are applied for."""
    async with sessions() as session, session.begin():
        user = User(email="ops@example.com", password_hash="x")
        session.add(user)
        await session.flush()
        return (await create_personal_organization(session, user=user)).id


async def _apply(sessions: SessionFactory, settings: Settings, text: str) -> list[str]:
    async with sessions() as session:
        return (await apply_text(session, text=text, settings=settings)).lines()


async def test_a_file_sets_tags_and_group_and_its_export_applies_as_no_change(
    sessions: SessionFactory, settings: Settings, organization_id: int
) -> None:
    assert await _apply(sessions, settings, FILE) == [
        'created monitor "api"',
        'created monitor "plain"',
    ]
    async with sessions() as session:
        records = await monitor_service.list_monitors(session, organization_id=organization_id)
        exported = await export_text(session)
    api = records[0].monitor
    assert (api.tags, api.group) == (["prod", "team:payments", "web"], "Shop")
    written = yaml.safe_load(exported)["monitors"]
    assert (written[0]["tags"], written[0]["group"]) == (["prod", "team:payments", "web"], "Shop")
    assert "tags" not in written[1] and "group" not in written[1]

    assert await _apply(sessions, settings, exported) == []
    assert await _apply(sessions, settings, FILE) == []


async def test_changing_the_tags_in_the_file_changes_only_them(
    sessions: SessionFactory, settings: Settings, organization_id: int
) -> None:
    await _apply(sessions, settings, FILE)

    changed = FILE.replace("[web, prod, ' team:payments ']", "[prod]").replace("Shop", "Blog")
    assert await _apply(sessions, settings, changed) == ['updated monitor "api": group, tags']
    async with sessions() as session:
        tags = (await session.scalars(select(MonitorTag.tag))).all()
    assert tags == ["prod"]


async def test_a_bad_tag_in_a_file_is_named_with_its_path(
    sessions: SessionFactory, settings: Settings, organization_id: int
) -> None:
    with pytest.raises(ConfigError) as refused:
        await _apply(sessions, settings, FILE.replace("web,", "'a,b',"))

    assert refused.value.problems[0].startswith("monitors[0].tags[0]: a tag may not contain")
