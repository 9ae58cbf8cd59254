"""Organizations own everything: organizations and memberships; every user gets a
personal organization (owner) and their monitors, channels, status pages, maintenance
windows and API tokens move into it (organization_id replaces owner_id)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 16:00:00

Downgrade is refused with a clear error: once organizations are shared, rows no longer
belong to one user, and guessing one would hand a team's monitors to whoever made them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import betteruptime.db.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables whose rows belonged to a user (column), now to that user's personal organization.
OWNED = {
    "monitors": "owner_id",
    "channels": "owner_id",
    "status_pages": "owner_id",
    "maintenance_windows": "owner_id",
    "api_tokens": "user_id",
}


def _create_tables() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", betteruptime.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_organizations_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
    )
    op.create_index(op.f("ix_organizations_created_by_id"), "organizations", ["created_by_id"])
    op.create_table(
        "memberships",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", betteruptime.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_memberships_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("organization_id", "user_id", name=op.f("pk_memberships")),
    )
    op.create_index(op.f("ix_memberships_user_id"), "memberships", ["user_id"])


def _personal_organizations() -> None:
    """One personal organization per user, with the user as its owner."""
    yes = {"yes": True}
    op.execute(
        sa.text(
            "INSERT INTO organizations (name, personal, created_by_id, created_at) "
            "SELECT email || '''s organization', :yes, id, created_at FROM users ORDER BY id"
        ).bindparams(**yes)
    )
    op.execute(
        sa.text(
            "INSERT INTO memberships (organization_id, user_id, role, created_at) "
            "SELECT id, created_by_id, 'owner', created_at FROM organizations "
            "WHERE personal = :yes AND created_by_id IS NOT NULL"
        ).bindparams(**yes)
    )


def _move(table: str, column: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column("organization_id", sa.Integer(), nullable=True))
    op.execute(
        sa.text(
            f"UPDATE {table} SET organization_id = (SELECT o.id FROM organizations o "
            f"WHERE o.personal = :yes AND o.created_by_id = {table}.{column})"
        ).bindparams(yes=True)
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column("organization_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f(f"fk_{table}_organization_id_organizations"),
            "organizations",
            ["organization_id"],
            ["id"],
            ondelete="CASCADE",
        )
        if column == "owner_id":
            batch_op.drop_index(batch_op.f(f"ix_{table}_owner_id_id"))
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_owner_id_users"), type_="foreignkey")
            batch_op.drop_column("owner_id")
            batch_op.create_index(
                batch_op.f(f"ix_{table}_organization_id_id"), ["organization_id", "id"]
            )
        else:  # API tokens keep their user: the person who signed in (or made it).
            batch_op.create_index(batch_op.f(f"ix_{table}_organization_id"), ["organization_id"])


def upgrade() -> None:
    _create_tables()
    _personal_organizations()
    for table, column in OWNED.items():
        _move(table, column)


def downgrade() -> None:
    raise NotImplementedError(
        "0017 (organizations) cannot be undone: rows belong to organizations now, not to "
        "one user. Restore the backup taken before upgrading instead."
    )
