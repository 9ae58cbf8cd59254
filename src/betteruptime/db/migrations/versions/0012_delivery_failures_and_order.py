"""Delivery failures and order: a channel's last delivery and failure (permanent or
not), whether an attempt's failure was permanent, the earlier message a notification
waits for, and an index on the digest a notification was folded into

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import betteruptime.db.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channels", schema=None) as batch_op:
        for name in ("last_delivered_at", "last_failure_at"):
            batch_op.add_column(
                sa.Column(name, betteruptime.db.types.UTCDateTime(timezone=True), nullable=True)
            )
        batch_op.add_column(sa.Column("last_failure", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "last_failure_permanent", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )

    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("permanent", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blocked_by", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notifications_blocked_by"), ["blocked_by"])
        batch_op.create_index(batch_op.f("ix_notifications_digest_id"), ["digest_id"])


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_digest_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_blocked_by"))
        batch_op.drop_column("blocked_by")

    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.drop_column("permanent")

    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_column("last_failure_permanent")
        batch_op.drop_column("last_failure")
        batch_op.drop_column("last_failure_at")
        batch_op.drop_column("last_delivered_at")
