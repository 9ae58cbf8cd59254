"""Check details: what a check of several parts found (the steps of a multi-step or
browser check, a domain's expiry), as JSON beside the check's figures

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column without a default: on PostgreSQL adding it to the partitioned
    # table touches no row and reaches every partition; SQLite adds it in place.
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_column("details")
