"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    ColumnExpressionArgument,
    DateTime,
    Integer,
    cast,
    extract,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL wants a 64-bit key.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes everywhere.

    SQLite has no time zones and hands back naive values; they are stored as UTC
    and given their zone back on the way out, so comparisons never mix kinds.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        assert isinstance(moment, datetime)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def epoch_bucket(
    column: ColumnExpressionArgument[datetime], seconds: int, dialect: str
) -> ColumnElement[int]:
    """Which `seconds`-long bucket a UTCDateTime column's value falls in, counted from the
    epoch (so bucket * seconds is its start), computed in SQL: grouping by it in the
    database sends one row per bucket instead of one per stored row."""
    if dialect == "postgresql":
        return cast(func.floor(extract("epoch", column) / seconds), BigInteger)
    # SQLite keeps the values as text, 'YYYY-MM-DD HH:MM:SS.ffffff'. The fraction is cut
    # off first: strftime rounds it to milliseconds, which would carry :59.9999 over into
    # the next bucket. `//` on integers is SQL's integer division.
    whole_seconds = func.strftime("%s", func.substr(column, 1, 19))
    return cast(whole_seconds, BigInteger) // seconds
