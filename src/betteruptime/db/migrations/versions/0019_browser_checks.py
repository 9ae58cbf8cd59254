"""Browser checks: which workers take browser checks, and the screenshots of failed
browser checks (a browser monitor's steps are in monitors.steps, from 0014)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import betteruptime.db.types

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("worker_status", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("browser", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "check_screenshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("due_at", betteruptime.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_screenshots")),
        sa.UniqueConstraint(
            "monitor_id",
            "due_at",
            "region",
            name=op.f("uq_check_screenshots_monitor_id_due_at_region"),
        ),
    )


def downgrade() -> None:
    op.drop_table("check_screenshots")
    with op.batch_alter_table("worker_status", schema=None) as batch_op:
        batch_op.drop_column("browser")
