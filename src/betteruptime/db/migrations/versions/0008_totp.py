"""Optional two-factor sign-in (TOTP) on users

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 09:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import betteruptime.db.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable columns only: SQLite adds them in place, without copying the table.
    op.add_column("users", sa.Column("totp_secret", sa.String(length=255), nullable=True))
    op.add_column(
        "users",
        sa.Column(
            "totp_enabled_at", betteruptime.db.types.UTCDateTime(timezone=True), nullable=True
        ),
    )
    op.add_column("users", sa.Column("totp_last_counter", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_counter")
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_secret")
