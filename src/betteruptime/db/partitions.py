"""Daily partitions of the checks table on PostgreSQL.

Dropping a day of raw checks is then `DROP TABLE checks_pYYYYMMDD`: its cost does not
grow with the table, and it leaves no dead rows for VACUUM. A DEFAULT partition catches
what falls outside the daily ones (a result older than every partition), so an insert
never fails for want of a partition. SQLite (embedded) keeps one table and deletes by
monitor and due time instead (see maintenance/retention.py).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

PREFIX = "checks_p"
_NAME = re.compile(rf"^{PREFIX}(\d{{8}})$")

LIST_SQL = (
    "SELECT child.relname FROM pg_inherits "
    "JOIN pg_class parent ON parent.oid = pg_inherits.inhparent "
    "JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
    "WHERE parent.relname = 'checks'"
)


def partition_name(day: date) -> str:
    return f"{PREFIX}{day:%Y%m%d}"


def partition_day(name: str) -> date | None:
    match = _NAME.match(name)
    if not match:
        return None
    digits = match.group(1)
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def create_partition_sql(day: date) -> str:
    # Bounds carry an explicit UTC offset: a bare date would be read in the session's zone.
    return (
        f"CREATE TABLE IF NOT EXISTS {partition_name(day)} PARTITION OF checks "
        f"FOR VALUES FROM ('{day.isoformat()} 00:00:00+00') "
        f"TO ('{(day + timedelta(days=1)).isoformat()} 00:00:00+00')"
    )


def days_to_create(today: date, days_ahead: int) -> list[date]:
    """Yesterday (late results) through `days_ahead` days from today."""
    return [today + timedelta(days=offset) for offset in range(-1, days_ahead + 1)]


def partitions_to_drop(existing: list[str], *, keep_from: date) -> list[str]:
    """Daily partitions wholly older than `keep_from`; never the DEFAULT one."""
    doomed = []
    for name in existing:
        day = partition_day(name)
        if day is not None and day < keep_from:
            doomed.append(name)
    return sorted(doomed)
