"""Migration 0006 copies `events` and `notifications` on SQLite (their type columns grow
to 32 characters): the rows, and the delivery attempts pointing at them, must survive,
and incidents that existed before were not opened in maintenance."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from betteruptime.db.migrate import alembic_config, upgrade

T = "'2026-01-01 00:00:00.000000'"


def _insert_rows(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys=ON")
        db.execute(
            f"INSERT INTO users (id, email, password_hash, created_at) VALUES (1, 'a@x', 'x', {T})"
        )
        db.execute(
            "INSERT INTO monitors (id, owner_id, name, kind, url, method, headers, "
            "follow_redirects, verify_tls, interval_seconds, timeout_seconds, regions, "
            "expected_status, keyword_mode, failure_threshold, recovery_threshold, paused, "
            "expected_values, ping_count, timezone, created_at, updated_at) VALUES (1, 1, 'shop', "
            "'http', 'https://shop.example/', 'GET', '{}', 1, 1, 60, 5, '[]', '[]', 'present', "
            f"3, 2, 0, '[]', 3, 'UTC', {T}, {T})"
        )
        db.execute(
            "INSERT INTO channels (id, owner_id, name, url, created_at) "
            f"VALUES (1, 1, 'h', 'json://x/', {T})"
        )
        db.execute(
            "INSERT INTO incidents (id, monitor_id, status, started_at, reminders) "
            f"VALUES (1, 1, 'open', {T}, 0)"
        )
        db.execute(
            "INSERT INTO events (id, type, monitor_id, incident_id, at) "
            f"VALUES (1, 'down', 1, 1, {T})"
        )
        db.execute(
            "INSERT INTO notifications (id, channel_id, key, kind, payload, status, escalation, "
            f"attempts, next_attempt_at, created_at) VALUES (1, 1, 'event:1', 'down', '{{}}', "
            f"'sent', 0, 1, {T}, {T})"
        )
        db.execute(
            "INSERT INTO delivery_attempts (notification_id, attempt, started_at, finished_at, ok) "
            f"VALUES (1, 1, {T}, {T}, 1)"
        )


def test_upgrading_to_0006_keeps_events_notifications_and_their_attempts(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    command.upgrade(alembic_config(url), "0005")
    _insert_rows(path)

    upgrade(url)

    with sqlite3.connect(path) as db:
        counts = [
            db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("events", "notifications", "delivery_attempts")
        ]
        (in_maintenance,) = db.execute("SELECT in_maintenance FROM incidents").fetchone()
        db.execute(
            "INSERT INTO events (type, monitor_id, at, window_id) "
            f"VALUES ('maintenance_started', 1, {T}, 7)"
        )
        (problems,) = db.execute("SELECT count(*) FROM pragma_foreign_key_check").fetchone()
    assert counts == [1, 1, 1]
    assert in_maintenance == 0
    assert problems == 0
