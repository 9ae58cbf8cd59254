"""Partition checks by day on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 18:40:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

from alembic import op

from betteruptime.db.partitions import create_partition_sql, days_to_create

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    "monitor_id INTEGER NOT NULL, due_at TIMESTAMPTZ NOT NULL, region VARCHAR(32) NOT NULL, "
    "checked_at TIMESTAMPTZ NOT NULL, up BOOLEAN NOT NULL, response_time_ms FLOAT, "
    "status_code SMALLINT, error TEXT, dns_ms FLOAT, connect_ms FLOAT, tls_ms FLOAT, "
    "first_byte_ms FLOAT"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite keeps one table; retention deletes by key range there
    op.execute("ALTER TABLE checks RENAME TO checks_flat")
    op.execute("ALTER TABLE checks_flat RENAME CONSTRAINT pk_checks TO pk_checks_flat")
    op.execute(
        f"CREATE TABLE checks ({COLUMNS}, "
        "CONSTRAINT pk_checks PRIMARY KEY (monitor_id, due_at, region)) "
        "PARTITION BY RANGE (due_at)"
    )
    op.execute("CREATE TABLE checks_default PARTITION OF checks DEFAULT")
    for day in days_to_create(datetime.now(UTC).date(), 3):
        op.execute(create_partition_sql(day))
    op.execute("INSERT INTO checks SELECT * FROM checks_flat")
    op.execute("DROP TABLE checks_flat")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE TABLE checks_flat ({COLUMNS}, "
        "CONSTRAINT pk_checks_flat PRIMARY KEY (monitor_id, due_at, region))"
    )
    op.execute("INSERT INTO checks_flat SELECT * FROM checks")
    op.execute("DROP TABLE checks")
    op.execute("ALTER TABLE checks_flat RENAME TO checks")
    op.execute("ALTER TABLE checks RENAME CONSTRAINT pk_checks_flat TO pk_checks")
