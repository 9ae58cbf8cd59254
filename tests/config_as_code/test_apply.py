"""Applying files to real databases (SQLite and PostgreSQL): created as the API would,
idempotent down to `updated_at`, only what changed is touched, --prune, all or nothing,
and export then apply is no change."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, select

from betteruptime.config_as_code import apply as apply_module
from betteruptime.config_as_code.apply import apply_text
from betteruptime.config_as_code.document import ConfigError
from betteruptime.config_as_code.export import export_text
from betteruptime.config_as_code.plan import Plan
from betteruptime.db.models import Channel, Monitor, MonitorChannel, MonitorState, User
from betteruptime.db.session import SessionFactory
from betteruptime.services import channels as channel_service
from betteruptime.services import monitors as monitor_service
from betteruptime.services.organizations import personal_organization_id
from betteruptime.settings import Settings

FILE = """
channels:
  - {name: ops, url: 'json://hooks.example.com/alerts'}
  - {name: sms, url: 'jsons://user:s3cret@sms.example.com/send'}
monitors:
  - name: api
    url: https://api.example.com/health
    interval_seconds: 30
    channels: [ops, {channel: sms, events: [down, up], delay_minutes: 5}]
  - {name: db, kind: tcp, url: 'tcp://db.example.com:5432', regions: [eu, us]}
  - {name: backup, kind: heartbeat, period_seconds: 3600, paused: true}
"""


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, region="eu", min_interval=10, _env_file=None)


@pytest.fixture
async def owner(sessions: SessionFactory) -> str:
    async with sessions() as session, session.begin():
        session.add(User(email="ops@example.com", password_hash="x"))
    return "ops@example.com"


@pytest.fixture
def apply(sessions: SessionFactory, settings: Settings, owner: str) -> Any:
    async def run(text: str, **options: Any) -> Plan:
        async with sessions() as session:
            return await apply_text(session, text=text, settings=settings, **options)

    return run


async def snapshot(sessions: SessionFactory) -> dict[str, Any]:
    """Every row apply may touch, every column, updated_at included."""
    async with sessions() as session:
        monitors = (await session.scalars(select(Monitor).order_by(Monitor.id))).all()
        channels = (await session.scalars(select(Channel).order_by(Channel.id))).all()
        links = (await session.scalars(select(MonitorChannel))).all()
        states = (await session.scalars(select(MonitorState))).all()
        return {
            "monitors": {m.name: _row(m) for m in monitors},
            "channels": {c.name: _row(c) for c in channels},
            "links": sorted(
                (link.monitor_id, link.channel_id, tuple(link.events), link.delay_minutes)
                for link in links
            ),
            "states": sorted((s.monitor_id, s.status) for s in states),
        }


def _row(row: Any) -> dict[str, Any]:
    # By attribute: a column may be named otherwise (monitors.group_name is `group`).
    return {attr.key: getattr(row, attr.key) for attr in inspect(row).mapper.column_attrs}


async def test_apply_creates_channels_and_monitors_as_the_api_would(
    apply: Any, sessions: SessionFactory
) -> None:
    plan = await apply(FILE)

    assert plan.summary() == "5 created, 0 updated, 0 deleted"
    rows = await snapshot(sessions)
    api, db, backup = (rows["monitors"][name] for name in ("api", "db", "backup"))
    assert (api["interval_seconds"], api["timeout_seconds"], api["regions"]) == (30, 10.0, ["eu"])
    assert (db["kind"], db["regions"], db["paused"]) == ("tcp", ["eu", "us"], False)
    assert backup["paused"] and backup["ping_token"] and backup["grace_seconds"] == 60
    assert rows["channels"]["sms"]["url"] == "jsons://user:s3cret@sms.example.com/send"
    ops, sms = rows["channels"]["ops"]["id"], rows["channels"]["sms"]["id"]
    assert rows["links"] == [
        (api["id"], ops, ("down", "up", "reminder", "acknowledged"), 0),
        (api["id"], sms, ("down", "up"), 5),
    ]
    assert [status for _, status in rows["states"]] == ["pending"] * 3


async def test_applying_the_same_file_again_changes_nothing_not_even_updated_at(
    apply: Any, sessions: SessionFactory
) -> None:
    await apply(FILE)
    before = await snapshot(sessions)

    plan = await apply(FILE)

    assert plan.summary() == "0 created, 0 updated, 0 deleted"
    assert plan.lines() == []
    assert await snapshot(sessions) == before


async def test_editing_one_monitor_in_the_file_updates_that_monitor_only(
    apply: Any, sessions: SessionFactory
) -> None:
    await apply(FILE)
    before = await snapshot(sessions)

    plan = await apply(FILE.replace("interval_seconds: 30", "interval_seconds: 45"))

    assert plan.lines() == ['updated monitor "api": interval_seconds']
    after = await snapshot(sessions)
    assert after["monitors"]["api"]["interval_seconds"] == 45
    assert after["monitors"]["api"]["updated_at"] > before["monitors"]["api"]["updated_at"]
    for name in ("db", "backup"):
        assert after["monitors"][name] == before["monitors"][name]
    assert (after["channels"], after["links"]) == (before["channels"], before["links"])


async def test_a_kind_change_in_the_file_drops_the_old_kinds_fields_and_back(
    apply: Any, sessions: SessionFactory
) -> None:
    heartbeat = "monitors:\n  - {name: job, kind: heartbeat, cron: '0 3 * * *', timezone: Japan}"
    http = "monitors:\n  - {name: job, url: 'https://job.example/'}"
    await apply(heartbeat)

    changed = await apply(http)
    as_http = (await snapshot(sessions))["monitors"]["job"]
    back = await apply(heartbeat)
    again = (await snapshot(sessions))["monitors"]["job"]

    assert changed.summary() == "0 created, 1 updated, 0 deleted"
    assert as_http["kind"] == "http" and as_http["ping_token"] is None
    assert (as_http["cron"], as_http["grace_seconds"], as_http["timezone"]) == (None, None, "UTC")
    assert (as_http["failure_threshold"], as_http["recovery_threshold"]) == (3, 2)
    assert back.summary() == "0 created, 1 updated, 0 deleted"
    assert (again["cron"], again["timezone"], again["url"]) == ("0 3 * * *", "Japan", None)
    assert (again["failure_threshold"], again["grace_seconds"]) == (1, 60)


async def test_a_field_the_kind_does_not_have_is_named_with_its_path(apply: Any) -> None:
    with pytest.raises(ConfigError) as raised:
        await apply("monitors:\n  - {name: db, kind: tcp, url: 'tcp://h:1', keyword: up}")

    assert raised.value.problems == [
        'monitors[0].keyword: a monitor of kind "tcp" has no keyword '
        "(only kinds http, keyword and json have it)"
    ]


async def test_prune_deletes_the_monitors_and_channels_the_file_leaves_out(
    apply: Any, sessions: SessionFactory
) -> None:
    await apply(FILE)
    smaller = (
        "monitors:\n  - {name: db, kind: tcp, url: 'tcp://db.example.com:5432', regions: [eu, us]}"
    )

    kept = await apply(smaller)
    pruned = await apply(smaller, prune=True)

    assert kept.summary() == "0 created, 0 updated, 0 deleted"
    assert pruned.summary() == "0 created, 0 updated, 4 deleted"
    rows = await snapshot(sessions)
    assert (list(rows["monitors"]), rows["channels"], rows["links"]) == (["db"], {}, [])


async def test_an_invalid_file_writes_nothing(apply: Any, sessions: SessionFactory) -> None:
    await apply(FILE)
    before = await snapshot(sessions)
    broken = FILE.replace("interval_seconds: 30", "interval_seconds: 5") + (
        "  - {name: new, url: 'https://new.example.com/'}\n"
    )

    with pytest.raises(ConfigError) as raised:
        await apply(broken, prune=True)

    assert raised.value.problems == [
        "monitors[0].interval_seconds: must be at least 10 seconds, "
        "the minimum interval on this server"
    ]
    assert await snapshot(sessions) == before


async def test_a_failure_halfway_through_leaves_nothing_half_applied(
    apply: Any, sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    await apply(FILE)
    before = await snapshot(sessions)

    async def broken_delete(*_: Any, **__: Any) -> None:
        raise RuntimeError("the disk is full")

    # Channels are deleted last: by then a monitor was created, one updated, one deleted.
    monkeypatch.setattr(apply_module.channel_service, "delete_channel", broken_delete)
    edited = (
        "channels:\n  - {name: ops, url: 'json://hooks.example.com/alerts'}\n"
        "monitors:\n"
        "  - {name: api, url: 'https://api.example.com/health', interval_seconds: 45}\n"
        "  - {name: web, url: 'https://web.example.com/'}\n"
    )
    with pytest.raises(RuntimeError):
        await apply(edited, prune=True)

    assert await snapshot(sessions) == before


async def test_export_then_apply_changes_nothing(
    apply: Any, sessions: SessionFactory, settings: Settings, owner: str
) -> None:
    await apply(FILE)
    async with sessions() as session:  # and one made through the API's own service
        user = (await session.scalars(select(User))).one()
        organization_id = await personal_organization_id(session, user=user)
        hook = await channel_service.create_channel(
            session, organization_id=organization_id, name="hook", url="json://x.example.com/"
        )
        data = monitor_service.MonitorCreate(
            name="through the api",
            kind="keyword",
            url="https://k.example.com/",
            keyword="welcome",
            headers={"X-Token": "t0ken"},
            channel_ids=[hook.id],
        )
        await monitor_service.create_monitor(
            session, organization_id=organization_id, data=data, settings=settings
        )
        exported = await export_text(session)
    before = await snapshot(sessions)

    plan = await apply(exported, prune=True)

    assert plan.summary() == "0 created, 0 updated, 0 deleted"
    assert await snapshot(sessions) == before


async def test_the_user_is_the_only_one_or_must_be_named(
    apply: Any, sessions: SessionFactory
) -> None:
    async with sessions() as session, session.begin():
        session.add(User(email="dev@example.com", password_hash="x"))

    with pytest.raises(ConfigError, match="pass --email"):
        await apply(FILE)
    with pytest.raises(ConfigError, match=r"no user with e-mail nobody@example\.com"):
        await apply(FILE, email="nobody@example.com")
    assert (await apply(FILE, email="DEV@example.com")).created == 5
    assert (await apply(FILE, email="ops@example.com")).created == 5
