"""Maintenance window start/end claims, incidents opened in maintenance, the window of an
event, event types longer than 16 characters (maintenance_started)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 03:17:49.401690
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import betteruptime.db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("window_id", sa.Integer(), nullable=True))
        batch_op.alter_column(
            "type",
            existing_type=sa.VARCHAR(length=16),
            type_=sa.String(length=32),
            existing_nullable=False,
        )

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("in_maintenance", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("maintenance_windows", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "last_started_at", betteruptime.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "last_ended_at", betteruptime.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=sa.VARCHAR(length=16),
            type_=sa.String(length=32),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=sa.String(length=32),
            type_=sa.VARCHAR(length=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("maintenance_windows", schema=None) as batch_op:
        batch_op.drop_column("last_ended_at")
        batch_op.drop_column("last_started_at")

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("in_maintenance")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.alter_column(
            "type",
            existing_type=sa.String(length=32),
            type_=sa.VARCHAR(length=16),
            existing_nullable=False,
        )
        batch_op.drop_column("window_id")
