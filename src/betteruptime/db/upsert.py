"""INSERT … ON CONFLICT on both databases, from one helper.

PostgreSQL and SQLite spell ON CONFLICT the same way, but SQLAlchemy offers it only on
each dialect's own `insert`; :func:`insert_for` picks the one of the database in use, so
callers write `insert_for(session, table).on_conflict_do_nothing(...)` once for both.
"""

from __future__ import annotations

from sqlalchemy import FromClause
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from betteruptime.db.models.base import Base

DialectInsert = postgresql.Insert | sqlite.Insert


def insert_for(
    bind: AsyncSession | AsyncConnection, table: FromClause | type[Base]
) -> DialectInsert:
    """An INSERT into `table` (a Table or a model) with the on_conflict_do_nothing and
    on_conflict_do_update of the database `bind` talks to."""
    dialect = bind.get_bind().dialect if isinstance(bind, AsyncSession) else bind.dialect
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    # A model's __table__ is typed as a FromClause; at run time it is the Table.
    return insert(table)  # type: ignore[arg-type]
