"""Alembic environment: runs the migrations on the async engine of the given URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from betteruptime.db.models import Base
from betteruptime.db.session import create_engine

config = context.config
target_metadata = Base.metadata
MIGRATION_LOCK = 0x62_75_6D_69_67_72_61  # "bumigra"


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite changes some columns by copying the table and dropping the old one; with
        # foreign keys on, that drop would cascade and delete every row that points at it.
        # Outside a transaction, or the pragma does nothing.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Several roles may start at once and each upgrades: one at a time, and the
            # later ones find the schema already at head.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()
    if sqlite:
        connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")


async def _run_async() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


asyncio.run(_run_async())
