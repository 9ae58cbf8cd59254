"""Monitor kinds beyond HTTP (tcp, dns, ping, tls, heartbeat), degraded, maintenance
windows, certificate and heartbeat state, ping bodies on checks

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 02:44:25.670595
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import betteruptime.db.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "maintenance_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_at", betteruptime.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ends_at", betteruptime.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("start_time", sa.String(length=5), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False, server_default="UTC"),
        sa.Column("notify", sa.Boolean(), nullable=False),
        sa.Column("created_at", betteruptime.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_maintenance_windows_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_windows")),
    )
    with op.batch_alter_table("maintenance_windows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_maintenance_windows_owner_id_id"), ["owner_id", "id"], unique=False
        )

    op.create_table(
        "maintenance_monitors",
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["monitor_id"],
            ["monitors.id"],
            name=op.f("fk_maintenance_monitors_monitor_id_monitors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["maintenance_windows.id"],
            name=op.f("fk_maintenance_monitors_window_id_maintenance_windows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("window_id", "monitor_id", name=op.f("pk_maintenance_monitors")),
    )
    with op.batch_alter_table("maintenance_monitors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_maintenance_monitors_monitor_id"), ["monitor_id"], unique=False
        )

    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body", sa.Text(), nullable=True))

    with op.batch_alter_table("monitor_states", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "cert_expires_at", betteruptime.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("cert_issuer", sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column(
                "last_ping_at", betteruptime.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "run_started_at", betteruptime.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )

    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tcp_send", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("tcp_expect", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("dns_record_type", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("dns_resolver", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column("expected_values", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("ping_count", sa.SmallInteger(), nullable=False, server_default="3")
        )
        batch_op.add_column(sa.Column("max_packet_loss_percent", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("tls_expiry_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("degraded_after_ms", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("period_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("grace_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cron", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("timezone", sa.String(length=64), nullable=False, server_default="UTC")
        )
        batch_op.add_column(sa.Column("ping_token", sa.String(length=64), nullable=True))
        batch_op.alter_column("url", existing_type=sa.VARCHAR(length=2048), nullable=True)
        batch_op.create_unique_constraint(batch_op.f("uq_monitors_ping_token"), ["ping_token"])


def downgrade() -> None:
    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_monitors_ping_token"), type_="unique")
        batch_op.alter_column("url", existing_type=sa.VARCHAR(length=2048), nullable=False)
        batch_op.drop_column("ping_token")
        batch_op.drop_column("timezone")
        batch_op.drop_column("cron")
        batch_op.drop_column("grace_seconds")
        batch_op.drop_column("period_seconds")
        batch_op.drop_column("degraded_after_ms")
        batch_op.drop_column("tls_expiry_days")
        batch_op.drop_column("max_packet_loss_percent")
        batch_op.drop_column("ping_count")
        batch_op.drop_column("expected_values")
        batch_op.drop_column("dns_resolver")
        batch_op.drop_column("dns_record_type")
        batch_op.drop_column("tcp_expect")
        batch_op.drop_column("tcp_send")

    with op.batch_alter_table("monitor_states", schema=None) as batch_op:
        batch_op.drop_column("run_started_at")
        batch_op.drop_column("last_ping_at")
        batch_op.drop_column("cert_issuer")
        batch_op.drop_column("cert_expires_at")

    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_column("body")

    with op.batch_alter_table("maintenance_monitors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_monitors_monitor_id"))

    op.drop_table("maintenance_monitors")
    with op.batch_alter_table("maintenance_windows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_windows_owner_id_id"))

    op.drop_table("maintenance_windows")
