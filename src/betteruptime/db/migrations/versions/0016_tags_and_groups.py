"""Tags and groups: a monitor's tags, one row each indexed by tag, and its group

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_name", sa.String(length=100), nullable=True))
    op.create_table(
        "monitor_tags",
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["monitors.id"],
            name=op.f("fk_monitor_tags_monitor_id_monitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("monitor_id", "tag", name=op.f("pk_monitor_tags")),
    )
    op.create_index(op.f("ix_monitor_tags_tag_monitor_id"), "monitor_tags", ["tag", "monitor_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_monitor_tags_tag_monitor_id"), table_name="monitor_tags")
    op.drop_table("monitor_tags")
    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.drop_column("group_name")
