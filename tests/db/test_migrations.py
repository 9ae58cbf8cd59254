"""Migrations keep the data that is already there.

SQLite alters some columns by copying a table and dropping the old one; with foreign
keys enforced, that drop would cascade into every table pointing at it. This upgrades a
database with rows in it across such a migration and checks nothing was lost.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from betteruptime.db.migrate import alembic_config, upgrade


def _insert_rows(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys=ON")
        db.execute(
            "INSERT INTO users (id, email, password_hash, created_at) "
            "VALUES (1, 'a@example.com', 'x', '2026-01-01 00:00:00.000000')"
        )
        db.execute(
            "INSERT INTO monitors (id, owner_id, name, kind, url, method, headers, "
            "follow_redirects, verify_tls, interval_seconds, timeout_seconds, regions, "
            "expected_status, keyword_mode, failure_threshold, recovery_threshold, paused, "
            "created_at, updated_at) VALUES (1, 1, 'shop', 'http', 'https://shop.example/', "
            "'GET', '{}', 1, 1, 60, 5, '[\"default\"]', '[\"200-299\"]', 'present', 3, 2, 0, "
            "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')"
        )
        db.execute(
            "INSERT INTO monitor_states (monitor_id, status, consecutive_failures, "
            "consecutive_successes) VALUES (1, 'up', 0, 4)"
        )
        db.execute(
            "INSERT INTO channels (id, owner_id, name, url, created_at) "
            "VALUES (1, 1, 'hook', 'json://example.com/', '2026-01-01 00:00:00.000000')"
        )
        db.execute("INSERT INTO monitor_channels (monitor_id, channel_id) VALUES (1, 1)")


def test_upgrading_sqlite_keeps_every_row_that_points_at_a_copied_table(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    command.upgrade(alembic_config(url), "0004")
    _insert_rows(path)

    upgrade(url)

    with sqlite3.connect(path) as db:
        counts = {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("monitors", "monitor_states", "monitor_channels")
        }
        (url_not_null,) = db.execute(
            "SELECT \"notnull\" FROM pragma_table_info('monitors') WHERE name = 'url'"
        ).fetchone()
        defaults = db.execute(
            "SELECT ping_count, timezone, expected_values FROM monitors"
        ).fetchone()
        (foreign_key_problems,) = db.execute(
            "SELECT count(*) FROM pragma_foreign_key_check"
        ).fetchone()
    assert counts == {"monitors": 1, "monitor_states": 1, "monitor_channels": 1}
    assert url_not_null == 0
    assert defaults == (3, "UTC", "[]")
    assert foreign_key_problems == 0
