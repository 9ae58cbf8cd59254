"""The audit log: `record` writes an entry in the session's transaction, so it is
committed with the change it describes or rolled back with it; `list_entries` reads an
organization's, newest first.

Who acts is attached to the session once per request by the access check (api/access.py,
web/access.py: `act_as`), so the services that make changes need no extra argument;
a session no request acted through (config as code run by an operator, the scheduler)
records the `system` actor unless one is attached.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import AuditEntry, Organization
from betteruptime.db.types import utcnow
from betteruptime.domain.audit import SYSTEM, Actor, changes_of, created, is_action

_ACTOR = "audit_actor"
_IP = "audit_ip"
MAX_LIMIT = 500


def act_as(session: AsyncSession, actor: Actor, *, ip: str | None = None) -> None:
    """Entries recorded through this session are by `actor` (from `ip`)."""
    session.info[_ACTOR] = actor
    session.info[_IP] = ip


def actor_of(session: AsyncSession) -> Actor:
    actor = session.info.get(_ACTOR)
    return actor if isinstance(actor, Actor) else SYSTEM


def pending_changes(
    row: Any, fields: Sequence[str] | None = None, secrets: Collection[str] = ()
) -> dict[str, list[Any]]:
    """The unflushed changes of an ORM row, `{field: [old, new]}`, secrets masked."""
    state = inspect(row)
    pairs: dict[str, tuple[Any, Any]] = {}
    for attribute in state.attrs:
        if fields is not None and attribute.key not in fields:
            continue
        history = attribute.history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        pairs[attribute.key] = (old, new)
    return changes_of(pairs, secrets)


def row_values(
    row: Any, *, skip: Sequence[str] = ("id", "organization_id"), secrets: Collection[str] = ()
) -> dict[str, Any]:
    """A row's columns as the changes of its creation (None left out, secrets masked)."""
    mapper = inspect(row).mapper
    values = {c.key: getattr(row, c.key) for c in mapper.column_attrs if c.key not in skip}
    return created(values, secrets)


def record(
    session: AsyncSession,
    action: str,
    *,
    organization_id: int,
    object_type: str | None = None,
    object_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
    actor: Actor | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Add an entry to the session (uncommitted: it goes with the change's commit). `changes`
    must already be masked (domain.audit.changes_of, pending_changes, row_values)."""
    if not is_action(action):
        raise ValueError(f"not an audit action: {action!r}")
    who = actor or actor_of(session)
    entry = AuditEntry(
        organization_id=organization_id,
        at=utcnow(),
        actor_type=who.type,
        actor_id=who.id,
        actor_name=who.name[:320],
        action=action,
        object_type=object_type,
        object_id=object_id,
        changes=dict(changes or {}),
        ip=ip or session.info.get(_IP),
    )
    session.add(entry)
    return entry


def record_change(
    session: AsyncSession,
    action: str,
    row: Any,
    changes: Mapping[str, Any] | None = None,
    *,
    actor: Actor | None = None,
) -> AuditEntry:
    """record() for an organization's row (its `organization_id` and `id`), or for the
    organization itself; the object type is the action's first part (`monitor` of
    `monitor.update`)."""
    return record(
        session,
        action,
        organization_id=row.id if isinstance(row, Organization) else row.organization_id,
        object_type=action.partition(".")[0],
        object_id=row.id,
        changes=changes,
        actor=actor,
    )


@dataclass(frozen=True, slots=True)
class AuditFilter:
    action: str | None = None
    object_type: str | None = None
    actor: str | None = None
    since: datetime | None = None


async def list_entries(
    session: AsyncSession, *, organization_id: int, filters: AuditFilter, limit: int
) -> list[AuditEntry]:
    """The organization's entries that match every filter, newest first (an `action`
    ending in `.*` matches its whole family; `actor` is the email or token name, any case)."""
    statement = select(AuditEntry).where(AuditEntry.organization_id == organization_id)
    if filters.action is not None:
        if filters.action.endswith(".*"):
            statement = statement.where(AuditEntry.action.startswith(filters.action[:-1]))
        else:
            statement = statement.where(AuditEntry.action == filters.action)
    if filters.object_type is not None:
        statement = statement.where(AuditEntry.object_type == filters.object_type)
    if filters.actor is not None:
        statement = statement.where(func.lower(AuditEntry.actor_name) == filters.actor.lower())
    if filters.since is not None:
        statement = statement.where(AuditEntry.at >= filters.since)
    statement = statement.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(
        min(limit, MAX_LIMIT)
    )
    return list((await session.scalars(statement)).all())
