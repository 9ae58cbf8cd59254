"""Notification channels and their links to monitors

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import betteruptime.db.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("created_at", betteruptime.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_channels_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
    )
    op.create_index(op.f("ix_channels_owner_id_id"), "channels", ["owner_id", "id"])
    op.create_table(
        "monitor_channels",
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["monitors.id"],
            name=op.f("fk_monitor_channels_monitor_id_monitors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_monitor_channels_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("monitor_id", "channel_id", name=op.f("pk_monitor_channels")),
    )
    op.create_index(op.f("ix_monitor_channels_channel_id"), "monitor_channels", ["channel_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_monitor_channels_channel_id"), table_name="monitor_channels")
    op.drop_table("monitor_channels")
    op.drop_index(op.f("ix_channels_owner_id_id"), table_name="channels")
    op.drop_table("channels")
