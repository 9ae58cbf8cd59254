"""The audit log: one row per change, written in the transaction of the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from betteruptime.db.models.base import Base
from betteruptime.db.types import UTCDateTime, utcnow


class AuditEntry(Base):
    """Who (`actor_type` user, token or system; `actor_name` the email or the token's
    name, kept as it was) did `action` to which object, in which organization, when, and
    the changed fields `{field: [old, new]}` with secrets masked (domain/audit.py)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_organization_id_at", "organization_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_name: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(100))
    object_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    object_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
