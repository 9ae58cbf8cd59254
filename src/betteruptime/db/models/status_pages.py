"""Public status pages: a slug anyone can open, and the monitors it shows, in order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from betteruptime.db.models.base import Base
from betteruptime.db.types import UTCDateTime, utcnow


class StatusPage(Base):
    """Shown without login at /status/<slug>; only the chosen monitors appear on it."""

    __tablename__ = "status_pages"
    __table_args__ = (Index(None, "organization_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    # Lowercase letters, digits and hyphens (api/schemas/status_pages.py), unique over
    # every user: it is the page's public address.
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatusPageMonitor(Base):
    """A monitor shown on a status page, at `position` (0 first); gone with either side."""

    __tablename__ = "status_page_monitors"

    status_page_id: Mapped[int] = mapped_column(
        ForeignKey("status_pages.id", ondelete="CASCADE"), primary_key=True
    )
    # Indexed on its own: badges ask whether a monitor is on any page.
    monitor_id: Mapped[int] = mapped_column(
        ForeignKey("monitors.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
