"""Domain expiry: the `domain` kind's and HTTP monitors' domain_expiry_days, and the
registration's expiry date the latest check read (for /metrics and the monitor page)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import betteruptime.db.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable columns without a default: no row is rewritten.
    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("domain_expiry_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("monitor_states", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "domain_expires_at", betteruptime.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("monitor_states", schema=None) as batch_op:
        batch_op.drop_column("domain_expires_at")
    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.drop_column("domain_expiry_days")
