"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL:
a model changed without a migration (or the reverse) fails here, not in production."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from betteruptime.db.models import Base
from betteruptime.db.partitions import PREFIX


def _modelled(name: str | None, kind: str, _parents: Any) -> bool:
    # The partitions of `checks` (PostgreSQL: daily ones made at run time, and the
    # DEFAULT one) are storage of the one modelled table.
    partition = name is not None and (name.startswith(PREFIX) or name == "checks_default")
    return not (kind == "table" and partition)


def _differences(connection: Connection) -> list[Any]:
    options = {"compare_type": True, "include_name": _modelled}
    context = MigrationContext.configure(connection, opts=options)
    return list(compare_metadata(context, Base.metadata))


async def test_autogenerate_finds_no_difference_between_models_and_migrations(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)

    assert differences == []
