"""Migration 0017 (organizations) moves every user's rows into their personal
organization, on SQLite and PostgreSQL: a database populated at 0016, the head before it
(two users; monitors of several kinds; channels linked to monitors; status pages; a
maintenance window; incidents; checks; rollups; API tokens) is upgraded and every row
and relation is checked afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text

from betteruptime.db.migrate import alembic_config, upgrade
from betteruptime.db.session import create_engine
from testkit.engines import temporary_postgres_db

T = "'2026-01-01 00:00:00'"
MONITOR_COLUMNS = (
    "id, owner_id, name, kind, url, method, headers, follow_redirects, verify_tls, "
    "interval_seconds, timeout_seconds, regions, expected_status, keyword_mode, "
    "failure_threshold, recovery_threshold, paused, ping_token, period_seconds, "
    "created_at, updated_at"
)
# id, owner, name, kind, url, ping token, period
MONITORS = [
    (1, 1, "alice shop", "http", "'https://shop.example/'", "NULL", "NULL"),
    (2, 1, "alice backup", "heartbeat", "NULL", "'tok-alice-backup'", "3600"),
    (3, 1, "alice db", "tcp", "'tcp://db.example:5432'", "NULL", "NULL"),
    (4, 2, "bob dns", "dns", "'dns://bob.example'", "NULL", "NULL"),
    (5, 2, "bob api", "keyword", "'https://api.bob.example/'", "NULL", "NULL"),
]
DATASET = [
    "INSERT INTO users (id, email, password_hash, created_at) VALUES "
    f"(1, 'alice@example.com', 'x', {T}), (2, 'bob@example.com', 'y', {T})",
    *(
        f"INSERT INTO monitors ({MONITOR_COLUMNS}) VALUES ({mid}, {owner}, '{name}', "
        f"'{kind}', {url}, 'GET', '{{}}', TRUE, TRUE, 60, 5, '[\"default\"]', "
        f"'[\"200-299\"]', 'present', 3, 2, FALSE, {token}, {period}, {T}, {T})"
        for mid, owner, name, kind, url, token, period in MONITORS
    ),
    "INSERT INTO monitor_states (monitor_id, status, consecutive_failures, "
    "consecutive_successes) VALUES (1, 'down', 3, 0), (2, 'up', 0, 1), (3, 'up', 0, 2), "
    "(4, 'up', 0, 5), (5, 'pending', 0, 0)",
    "INSERT INTO channels (id, owner_id, name, url, created_at, last_failure_permanent) "
    f"VALUES (1, 1, 'alice hook', 'json://a.example/', {T}, FALSE), "
    f"(2, 1, 'alice slack', 'slack://T/B/C', {T}, FALSE), "
    f"(3, 2, 'bob hook', 'json://b.example/', {T}, FALSE)",
    "INSERT INTO monitor_channels (monitor_id, channel_id, events, delay_minutes) VALUES "
    "(1, 1, '[]', 0), (1, 2, '[]', 15), (3, 1, '[]', 0), (4, 3, '[]', 0)",
    f"INSERT INTO status_pages (id, owner_id, slug, title, created_at) VALUES "
    f"(1, 1, 'alice', 'Alice status', {T}), (2, 2, 'bob', 'Bob status', {T})",
    "INSERT INTO status_page_monitors (status_page_id, monitor_id, position) VALUES "
    "(1, 1, 0), (1, 3, 1), (2, 4, 0)",
    "INSERT INTO maintenance_windows (id, owner_id, name, starts_at, ends_at, weekdays, "
    f"timezone, notify, created_at) VALUES (1, 1, 'upgrade', {T}, {T}, '[]', 'UTC', TRUE, {T})",
    "INSERT INTO maintenance_monitors (window_id, monitor_id) VALUES (1, 1), (1, 3)",
    "INSERT INTO incidents (id, monitor_id, status, started_at, cause, reminders, "
    f"in_maintenance) VALUES (1, 1, 'open', {T}, 'timeout', 0, FALSE), "
    f"(2, 4, 'resolved', {T}, 'refused', 0, FALSE)",
    "INSERT INTO checks (monitor_id, due_at, region, checked_at, up) VALUES "
    f"(1, {T}, 'default', {T}, FALSE), (4, {T}, 'default', {T}, TRUE)",
    "INSERT INTO rollups_day (monitor_id, bucket_start, count, failures, rt_count, rt_sum, "
    f"histogram) VALUES (1, {T}, 10, 3, 10, 100.0, '')",
    "INSERT INTO api_tokens (id, user_id, token_hash, name, created_at, expires_at) VALUES "
    f"(1, 1, 'hash-alice', 'ci', {T}, {T}), (2, 2, 'hash-bob', '', {T}, {T}), "
    f"(3, 2, 'hash-bob-2', 'laptop', {T}, {T})",
]
# Rows of each table owned through their user, by id, as (id, user whose they were).
OWNED = {
    "monitors": {1: 1, 2: 1, 3: 1, 4: 2, 5: 2},
    "channels": {1: 1, 2: 1, 3: 2},
    "status_pages": {1: 1, 2: 2},
    "maintenance_windows": {1: 1},
    "api_tokens": {1: 1, 2: 2, 3: 2},
}
UNCHANGED = {
    "monitor_states": 5,
    "monitor_channels": 4,
    "status_page_monitors": 3,
    "maintenance_monitors": 2,
    "incidents": 2,
    "checks": 2,
    "rollups_day": 1,
    "users": 2,
}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
    else:
        with temporary_postgres_db() as url:
            yield url


async def _execute(url: str, statements: list[str]) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))
    await engine.dispose()


async def _query(url: str, statement: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    async with engine.connect() as connection:
        rows = [tuple(row) for row in await connection.execute(text(statement))]
    await engine.dispose()
    return rows


def _rows(url: str, statement: str) -> list[tuple[Any, ...]]:
    return asyncio.run(_query(url, statement))


def test_upgrading_moves_every_users_rows_into_their_personal_organization(
    empty_database: str,
) -> None:
    url = empty_database
    command.upgrade(alembic_config(url), "0016")
    asyncio.run(_execute(url, DATASET))

    upgrade(url)

    organizations = _rows(
        url, "SELECT id, name, personal, created_by_id FROM organizations ORDER BY id"
    )
    assert [(name, bool(personal), by) for _, name, personal, by in organizations] == [
        ("alice@example.com's organization", True, 1),
        ("bob@example.com's organization", True, 2),
    ]
    personal = {by: org_id for org_id, _, _, by in organizations}
    assert _rows(
        url, "SELECT organization_id, user_id, role FROM memberships ORDER BY user_id"
    ) == [
        (personal[1], 1, "owner"),
        (personal[2], 2, "owner"),
    ]
    for table, owners in OWNED.items():
        found = dict(_rows(url, f"SELECT id, organization_id FROM {table}"))
        assert found == {row: personal[user] for row, user in owners.items()}, table
    for table, count in UNCHANGED.items():
        assert _rows(url, f"SELECT count(*) FROM {table}") == [(count,)], table
    # The relations point where they did.
    assert _rows(
        url,
        "SELECT monitor_id, channel_id, delay_minutes FROM monitor_channels "
        "ORDER BY monitor_id, channel_id",
    ) == [(1, 1, 0), (1, 2, 15), (3, 1, 0), (4, 3, 0)]
    assert _rows(
        url,
        "SELECT status_page_id, monitor_id, position FROM status_page_monitors "
        "ORDER BY status_page_id, position",
    ) == [(1, 1, 0), (1, 3, 1), (2, 4, 0)]
    assert _rows(
        url,
        "SELECT m.name, s.status FROM monitors m JOIN monitor_states s "
        "ON s.monitor_id = m.id WHERE m.id = 1",
    ) == [("alice shop", "down")]
    assert _rows(url, "SELECT ping_token FROM monitors WHERE id = 2") == [("tok-alice-backup",)]
    assert _rows(url, "SELECT monitor_id, status FROM incidents ORDER BY id") == [
        (1, "open"),
        (4, "resolved"),
    ]
    assert _rows(url, "SELECT token_hash, user_id FROM api_tokens ORDER BY id") == [
        ("hash-alice", 1),
        ("hash-bob", 2),
        ("hash-bob-2", 2),
    ]


def test_the_owner_columns_are_gone_and_organization_ids_are_required(
    empty_database: str,
) -> None:
    url = empty_database
    upgrade(url)
    for table in OWNED:
        if url.startswith("sqlite"):
            statement = f"SELECT name, \"notnull\" = 1 FROM pragma_table_info('{table}')"
        else:
            statement = (
                "SELECT column_name, is_nullable = 'NO' FROM information_schema.columns "
                f"WHERE table_name = '{table}'"
            )
        required = dict(_rows(url, statement))
        assert required["organization_id"], table
        assert "owner_id" not in required, table


def test_downgrading_says_it_cannot(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    upgrade(url)
    with pytest.raises(NotImplementedError, match="cannot be undone"):
        command.downgrade(alembic_config(url), "0016")
