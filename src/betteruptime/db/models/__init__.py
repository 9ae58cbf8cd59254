"""SQLAlchemy models, one module per domain concept. The same tables serve SQLite
(embedded) and PostgreSQL; import them from here."""

from betteruptime.db.models.accounts import ApiToken, OidcIdentity, User
from betteruptime.db.models.alerting import (
    Channel,
    DeadLetter,
    DeliveryAttempt,
    Incident,
    MaintenanceMonitor,
    MaintenanceWindow,
    MonitorChannel,
    Notification,
    OutboxEvent,
    notification_values,
)
from betteruptime.db.models.audit import AuditEntry
from betteruptime.db.models.base import Base
from betteruptime.db.models.checks import (
    ROLLUP_MODELS,
    Check,
    CheckScreenshot,
    Rollup,
    RollupDay,
    RollupHour,
    RollupMinute,
)
from betteruptime.db.models.monitors import (
    Monitor,
    MonitorState,
    MonitorTag,
    PendingDecision,
    SchedulerCursor,
    WorkerStatus,
)
from betteruptime.db.models.organizations import Invitation, Membership, Organization
from betteruptime.db.models.status_pages import StatusPage, StatusPageMonitor

__all__ = [
    "ROLLUP_MODELS",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Channel",
    "Check",
    "CheckScreenshot",
    "DeadLetter",
    "DeliveryAttempt",
    "Incident",
    "Invitation",
    "MaintenanceMonitor",
    "MaintenanceWindow",
    "Membership",
    "Monitor",
    "MonitorChannel",
    "MonitorState",
    "MonitorTag",
    "Notification",
    "OidcIdentity",
    "Organization",
    "OutboxEvent",
    "PendingDecision",
    "Rollup",
    "RollupDay",
    "RollupHour",
    "RollupMinute",
    "SchedulerCursor",
    "StatusPage",
    "StatusPageMonitor",
    "User",
    "WorkerStatus",
    "notification_values",
]
