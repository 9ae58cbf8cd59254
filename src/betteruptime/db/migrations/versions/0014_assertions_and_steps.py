"""Monitors' assertions ({source, property, comparison, target} rows) and the steps of
multi-step API checks, as JSON

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every existing monitor has none: an empty list, so no row needs rewriting.
    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assertions", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("steps", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.drop_column("steps")
        batch_op.drop_column("assertions")
