"""Public status pages and the monitors each shows

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 09:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import betteruptime.db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "status_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", betteruptime.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_status_pages_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_pages")),
        sa.UniqueConstraint("slug", name=op.f("uq_status_pages_slug")),
    )
    op.create_index(op.f("ix_status_pages_owner_id_id"), "status_pages", ["owner_id", "id"])
    op.create_table(
        "status_page_monitors",
        sa.Column("status_page_id", sa.Integer(), nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["status_page_id"],
            ["status_pages.id"],
            name=op.f("fk_status_page_monitors_status_page_id_status_pages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["monitors.id"],
            name=op.f("fk_status_page_monitors_monitor_id_monitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "status_page_id", "monitor_id", name=op.f("pk_status_page_monitors")
        ),
    )
    op.create_index(
        op.f("ix_status_page_monitors_monitor_id"), "status_page_monitors", ["monitor_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_status_page_monitors_monitor_id"), table_name="status_page_monitors")
    op.drop_table("status_page_monitors")
    op.drop_index(op.f("ix_status_pages_owner_id_id"), table_name="status_pages")
    op.drop_table("status_pages")
