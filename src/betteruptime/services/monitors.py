"""Monitors: create, change, pause, resume, delete, always scoped to their organization.

Every change stamps `updated_at`: the scheduler polls it to pick changes up within a
second. Rules that involve several fields or the server's settings are checked here on
the merged result, so a PATCH cannot produce a monitor a POST would have refused.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from betteruptime.db.models import Monitor, MonitorState
from betteruptime.db.types import utcnow
from betteruptime.domain.monitor_kinds import (
    FieldProblem,
    ServerDefaults,
    changed_values,
    foreign_fields,
    kind_problems,
    new_monitor_values,
    ping_token_for,
)
from betteruptime.schemas.links import ChannelRule
from betteruptime.schemas.monitors import MonitorCreate, MonitorUpdate
from betteruptime.services import audit
from betteruptime.services import channels as channel_service
from betteruptime.services.history import delete_history
from betteruptime.services.monitor_filters import MonitorFilter
from betteruptime.services.regions import live_regions
from betteruptime.settings import Settings

# The fields of MonitorUpdate that are columns of the monitor (channel links are rows).
_LINK_FIELDS = {"channel_ids", "channel_rules"}
_MONITOR_FIELDS = tuple(name for name in MonitorUpdate.model_fields if name not in _LINK_FIELDS)
# Not worth an audit entry's room: bookkeeping, not a choice someone made.
_UNRECORDED = ("id", "organization_id", "created_at", "updated_at")


class MonitorInvalidError(ValueError):
    """The monitor breaks rules that span fields or depend on settings; one entry per rule."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


@dataclass(slots=True)
class MonitorRecord:
    """A monitor with its runtime state (None only if the ingester's row is missing)
    and the channels it notifies with their rules, by channel id."""

    monitor: Monitor
    state: MonitorState | None
    channel_rules: list[ChannelRule] = field(default_factory=list)


def server_defaults(settings: Settings, regions: Sequence[str] = ()) -> ServerDefaults:
    """What a new monitor's defaults take from the server (see new_monitor_values);
    `regions`: where workers run now."""
    return ServerDefaults(settings.min_interval, settings.region, tuple(regions))


def check_rules(
    values: Mapping[str, Any], *, settings: Settings, sent: Mapping[str, Any] | None = None
) -> list[FieldProblem]:
    """The rules a complete monitor must satisfy beyond each field on its own; with
    `sent` (the fields a body or file gave), also that none of them is foreign to the
    monitor's kind."""
    problems: list[FieldProblem] = []
    interval, timeout = values["interval_seconds"], values["timeout_seconds"]
    if interval < settings.min_interval:
        problems.append(
            FieldProblem(
                "interval_seconds",
                f"must be at least {settings.min_interval} seconds, "
                "the minimum interval on this server",
            )
        )
    if timeout >= interval:
        problems.append(
            FieldProblem(
                "timeout_seconds",
                f"must be below interval_seconds ({interval}); got {timeout:g}",
            )
        )
    min_failed, regions = values.get("min_failed_regions"), values.get("regions") or []
    if min_failed is not None and regions and min_failed > len(regions):
        problems.append(
            FieldProblem(
                "min_failed_regions",
                f"must be at most the number of regions ({len(regions)}); got {min_failed}",
            )
        )
    return problems + kind_problems(values) + foreign_fields(values["kind"], sent or {})


def _require_valid(values: Mapping[str, Any], settings: Settings, sent: Mapping[str, Any]) -> None:
    problems = check_rules(values, settings=settings, sent=sent)
    if problems:
        raise MonitorInvalidError(problems)


async def _require_own_channels(
    session: AsyncSession, *, organization_id: int, rules: Sequence[ChannelRule], field: str
) -> None:
    """Every id must be one of the organization's channels. Another organization's channel reads as
    unknown, exactly like a missing one, so nobody learns which ids exist."""
    channel_ids = {rule.channel_id for rule in rules}
    owned = await channel_service.get_owned_channel_ids(
        session, organization_id=organization_id, ids=channel_ids
    )
    unknown = sorted(channel_ids - owned)
    if unknown:
        listed = ", ".join(str(channel_id) for channel_id in unknown)
        raise MonitorInvalidError(
            [FieldProblem(field, f"no channel of yours has the id(s): {listed}")]
        )


async def require_own_monitors(
    session: AsyncSession,
    *,
    organization_id: int,
    monitor_ids: Collection[int],
    error: type[MonitorInvalidError] = MonitorInvalidError,
) -> None:
    """Every id must be one of the organization's monitors (for `monitor_ids` of maintenance
    windows and status pages). Another organization's monitor reads as unknown, exactly like a
    missing one; `error` is raised with one `monitor_ids` problem otherwise."""
    wanted = set(monitor_ids)
    if not wanted:
        return
    owned = set(
        await session.scalars(
            select(Monitor.id).where(
                Monitor.organization_id == organization_id, Monitor.id.in_(wanted)
            )
        )
    )
    unknown = sorted(wanted - owned)
    if unknown:
        listed = ", ".join(str(monitor_id) for monitor_id in unknown)
        raise error([FieldProblem("monitor_ids", f"no monitor of yours has the id(s): {listed}")])


def _link_field(sent: set[str]) -> str:
    return "channel_rules" if "channel_rules" in sent else "channel_ids"


def _with_state() -> Select[Monitor, MonitorState]:
    return (
        select(Monitor, MonitorState)
        .outerjoin(MonitorState, MonitorState.monitor_id == Monitor.id)
        .options(selectinload(Monitor.tag_rows))
    )


async def get_monitor(
    session: AsyncSession, *, organization_id: int, monitor_id: int
) -> MonitorRecord | None:
    """The organization's monitor with its state; None if missing or another organization's."""
    statement = _with_state().where(
        Monitor.id == monitor_id, Monitor.organization_id == organization_id
    )
    row = (await session.execute(statement)).one_or_none()
    if row is None:
        return None
    linked = await channel_service.rules_by_monitor(session, monitor_ids=[monitor_id])
    return MonitorRecord(*row, channel_rules=linked[monitor_id])


async def list_monitors(
    session: AsyncSession,
    *,
    organization_id: int,
    limit: int = 100,
    offset: int = 0,
    filters: MonitorFilter = MonitorFilter(),
) -> list[MonitorRecord]:
    """The organization's monitors (those `filters` takes) by id, states joined in the same
    query; the page's tags and channel links in one more each."""
    statement = (
        _with_state()
        .where(Monitor.organization_id == organization_id, *filters.conditions())
        .order_by(Monitor.id)
        .limit(limit)
        .offset(offset)
    )
    rows = (await session.execute(statement)).all()
    linked = await channel_service.rules_by_monitor(
        session, monitor_ids=[monitor.id for monitor, _ in rows]
    )
    return [MonitorRecord(monitor, state, linked[monitor.id]) for monitor, state in rows]


async def create_monitor(
    session: AsyncSession, *, organization_id: int, data: MonitorCreate, settings: Settings
) -> MonitorRecord:
    """Fill in defaults, check the rules, insert the monitor and its pending state."""
    sent = data.model_dump(include=data.model_fields_set - _LINK_FIELDS)
    live = await live_regions(session) if sent.get("regions") is None else []
    values = new_monitor_values(sent, server_defaults(settings, live))
    values["ping_token"] = ping_token_for(values["kind"], None)
    _require_valid(values, settings, sent)
    rules = data.rules()
    await _require_own_channels(
        session,
        organization_id=organization_id,
        rules=rules,
        field=_link_field(data.model_fields_set),
    )
    now = utcnow()
    monitor = Monitor(organization_id=organization_id, **values, created_at=now, updated_at=now)
    session.add(monitor)
    await session.flush()  # the state row needs the monitor's id
    state = MonitorState(monitor_id=monitor.id, status="pending")
    session.add(state)
    rules = await channel_service.replace_links(session, monitor_id=monitor.id, rules=rules)
    changes = audit.row_values(monitor, skip=_UNRECORDED)
    if rules:
        changes["channel_rules"] = [None, _plain_rules(rules)]
    audit.record_change(session, "monitor.create", monitor, changes)
    await session.commit()
    return MonitorRecord(monitor, state, rules)


async def update_monitor(
    session: AsyncSession, *, record: MonitorRecord, changes: MonitorUpdate, settings: Settings
) -> None:
    """Apply the fields that were sent, after checking the rules on the merged result
    (domain.monitor_kinds.changed_values: a kind change resets the fields the new kind
    does not have).

    `channel_ids` or `channel_rules`, when sent, replace the channel links as a whole.
    """
    monitor = record.monitor
    sent = changes.model_dump(exclude_unset=True, exclude=_LINK_FIELDS)
    merged = changed_values({name: getattr(monitor, name) for name in _MONITOR_FIELDS}, sent)
    _require_valid(merged, settings, sent)
    merged["ping_token"] = ping_token_for(merged["kind"], monitor.ping_token)
    rules = changes.rules()
    old_rules = _plain_rules(record.channel_rules)
    if rules is not None:
        await _require_own_channels(
            session,
            organization_id=monitor.organization_id,
            rules=rules,
            field=_link_field(changes.model_fields_set),
        )
        record.channel_rules = await channel_service.replace_links(
            session, monitor_id=monitor.id, rules=rules
        )
    # What was sent, and what the change brought: defaults of a new kind, the old
    # kind's fields cleared, a heartbeat's ping token.
    for name, value in merged.items():
        if value != getattr(monitor, name) or name in sent:
            setattr(monitor, name, value)
    recorded = audit.pending_changes(monitor, fields=_MONITOR_FIELDS)
    if rules is not None and _plain_rules(record.channel_rules) != old_rules:
        recorded["channel_rules"] = [old_rules, _plain_rules(record.channel_rules)]
    audit.record_change(session, "monitor.update", monitor, recorded)
    monitor.updated_at = utcnow()
    await session.commit()


async def pause_monitor(session: AsyncSession, *, monitor: Monitor) -> None:
    audit.record_change(session, "monitor.pause", monitor, {"paused": [monitor.paused, True]})
    monitor.paused = True
    monitor.updated_at = utcnow()
    await session.commit()


async def resume_monitor(session: AsyncSession, *, record: MonitorRecord) -> None:
    """Unpause and start the state machine afresh: what it knew predates the pause.

    A monitor paused during an outage resumes as down, so its open incident is resolved
    by the normal recovery path instead of being orphaned by a silent pending → up.
    """
    audit.record_change(
        session, "monitor.resume", record.monitor, {"paused": [record.monitor.paused, False]}
    )
    record.monitor.paused = False
    record.monitor.updated_at = utcnow()
    if record.state is None:
        record.state = MonitorState(monitor_id=record.monitor.id)
        session.add(record.state)
    state = record.state
    state.status = "down" if state.open_incident_id is not None else "pending"
    state.consecutive_failures = 0
    state.consecutive_successes = 0
    state.streak_started_at = None
    await session.commit()


async def delete_monitor(session: AsyncSession, *, monitor: Monitor) -> None:
    """Delete a monitor with everything recorded about it, in one transaction."""
    await delete_monitors(session, monitors=[monitor])


async def delete_monitors(session: AsyncSession, *, monitors: Sequence[Monitor]) -> None:
    """Delete monitors with everything recorded about them, in one transaction.

    State and incidents go by foreign-key cascade; checks, rollups and events carry no
    foreign key (they are written in bulk), so they are deleted here explicitly, with
    one statement per table however many monitors go.
    """
    await delete_history(session, [monitor.id for monitor in monitors])
    for monitor in monitors:
        audit.record_change(session, "monitor.delete", monitor, {"name": [monitor.name, None]})
        await session.delete(monitor)
    await session.commit()


def _plain_rules(rules: Sequence[ChannelRule]) -> list[dict[str, Any]]:
    return [rule.model_dump(mode="json") for rule in rules]
