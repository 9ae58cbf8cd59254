"""Migration 0011: events published before it count as planned (the relay must not
publish months of history again); one not yet published stays owed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from betteruptime.db.migrate import alembic_config, upgrade

T = "'2026-01-01 00:00:00.000000'"


def test_upgrading_to_0011_counts_published_events_as_planned(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    command.upgrade(alembic_config(url), "0010")
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO events (id, type, monitor_id, at, published_at) "
            f"VALUES (1, 'down', 1, {T}, {T}), (2, 'up', 1, {T}, NULL)"
        )

    upgrade(url)

    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT id, planned_at, republish_at FROM events ORDER BY id").fetchall()
    assert rows == [(1, T.strip("'"), None), (2, None, None)]
