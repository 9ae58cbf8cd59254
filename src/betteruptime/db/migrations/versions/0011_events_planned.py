"""Events stay owed until a notifier has planned them: events.planned_at, republish_at

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import betteruptime.db.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("planned_at", betteruptime.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "republish_at", betteruptime.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.create_index(batch_op.f("ix_events_planned_at"), ["planned_at"], unique=False)
    # Events published before this release were handed over under the old guarantee:
    # count them as planned, or the relay would publish 90 days of history again.
    op.execute("UPDATE events SET planned_at = published_at WHERE published_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_planned_at"))
        batch_op.drop_column("republish_at")
        batch_op.drop_column("planned_at")
