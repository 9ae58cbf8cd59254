"""Applying a file: read it, plan against the database, carry the plan out.

Every change goes through the services the API uses (services/monitors.py and
services/channels.py), so a file is held to exactly the API's rules. Those services
commit after each change; here they run in an `AtomicSession`, whose commit only
flushes, so one apply is one transaction: any failure leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.config_as_code.document import ConfigError, parse_document
from betteruptime.config_as_code.plan import Link, NewMonitor, Plan, build_plan
from betteruptime.config_as_code.store import Loaded, find_organization, find_user, load
from betteruptime.db.session import AtomicSession
from betteruptime.domain.audit import Actor
from betteruptime.schemas.field_paths import field_path
from betteruptime.schemas.links import ChannelRule
from betteruptime.schemas.monitors import MonitorCreate, MonitorUpdate
from betteruptime.services import channels as channel_service
from betteruptime.services import monitors as monitor_service
from betteruptime.services.audit import act_as
from betteruptime.services.regions import live_regions
from betteruptime.services.users import UserInputError
from betteruptime.settings import Settings


async def apply_text(
    session: AsyncSession,
    *,
    text: str,
    settings: Settings,
    email: str | None = None,
    organization: str | None = None,
    prune: bool = False,
    dry_run: bool = False,
) -> Plan:
    """Make the user's monitors and channels what the YAML `text` says, in one
    transaction on `session`'s database; returns what was (or, dry, would be) done.

    Raises ConfigError, with every problem found and its path, before writing anything.
    """
    document = parse_document(text)
    async with AtomicSession(bind=session.bind, expire_on_commit=False) as atomic:
        user = await find_user(atomic, email=email)
        act_as(atomic, Actor("user", user.id, user.email))  # the audit log names them
        organization_id = await find_organization(atomic, user=user, named=organization)
        loaded = await load(atomic, organization_id=organization_id)
        regions = await live_regions(atomic) or [settings.region]
        plan = build_plan(
            document, loaded.stored, settings=settings, default_regions=regions, prune=prune
        )
        if dry_run or not (plan.created or plan.updated or plan.deleted):
            return plan
        await _carry_out(
            atomic, plan, loaded=loaded, organization_id=organization_id, settings=settings
        )
        await atomic.finish()
    return plan


def _rules(links: Iterable[Link], channel_ids: Mapping[str, int]) -> list[ChannelRule]:
    return [
        ChannelRule(
            channel_id=channel_ids[link.channel],
            events=list(link.events),  # type: ignore[arg-type]
            delay_minutes=link.delay_minutes,
        )
        for link in links
    ]


Refusal = monitor_service.MonitorInvalidError | UserInputError | ValidationError


def _problem(path: str, error: Refusal) -> ConfigError:
    """A service refused what the plan let through (it checks the same rules, so this
    is a safety net): reported in the same `path.field: message` form."""
    if isinstance(error, monitor_service.MonitorInvalidError):
        return ConfigError([f"{path}.{p.field}: {p.message}" for p in error.problems])
    if isinstance(error, UserInputError):
        return ConfigError([f"{path}.{error.field}: {error}"])
    return ConfigError([f"{path}.{field_path(e['loc'])}: {e['msg']}" for e in error.errors()])


async def _carry_out(
    session: AsyncSession, plan: Plan, *, loaded: Loaded, organization_id: int, settings: Settings
) -> None:
    # Channels first: the monitors' links may name new ones. Deletions last.
    channel_ids = await _write_channels(
        session, plan, loaded=loaded, organization_id=organization_id
    )
    for new in plan.new_monitors:
        try:
            await _create_monitor(
                session,
                new,
                channel_ids=channel_ids,
                organization_id=organization_id,
                settings=settings,
            )
        except (monitor_service.MonitorInvalidError, ValidationError) as error:
            raise _problem(new.path, error) from None
    for change in plan.changed_monitors:
        record = loaded.monitors[change.stored.id]
        body: dict[str, Any] = dict(change.changes)
        if change.links is not None:
            body["channel_rules"] = _rules(change.links, channel_ids)
        try:
            if body:
                await monitor_service.update_monitor(
                    session, record=record, changes=MonitorUpdate(**body), settings=settings
                )
        except (monitor_service.MonitorInvalidError, ValidationError) as error:
            raise _problem(change.path, error) from None
        if change.paused is True:
            await monitor_service.pause_monitor(session, monitor=record.monitor)
        elif change.paused is False:
            await monitor_service.resume_monitor(session, record=record)
    for gone in plan.deleted_monitors:
        await monitor_service.delete_monitor(session, monitor=loaded.monitors[gone.id].monitor)
    for stale in plan.deleted_channels:
        await channel_service.delete_channel(session, channel=loaded.channels[stale.id])


async def _write_channels(
    session: AsyncSession, plan: Plan, *, loaded: Loaded, organization_id: int
) -> dict[str, int]:
    """Create and change the plan's channels; returns every channel's id by name."""
    channel_ids = {channel.name: channel.id for channel in loaded.stored.channels}
    for new in plan.new_channels:
        try:
            channel = await channel_service.create_channel(
                session, organization_id=organization_id, name=new.name, url=new.url
            )
        except UserInputError as error:
            raise _problem(new.path, error) from None
        channel_ids[new.name] = channel.id
    for change in plan.changed_channels:
        try:
            await channel_service.change_channel_url(
                session, channel=loaded.channels[change.stored.id], url=change.url
            )
        except UserInputError as error:
            raise _problem(change.path, error) from None
    return channel_ids


async def _create_monitor(
    session: AsyncSession,
    new: NewMonitor,
    *,
    channel_ids: Mapping[str, int],
    organization_id: int,
    settings: Settings,
) -> None:
    data = MonitorCreate(**new.values, channel_rules=_rules(new.links, channel_ids))
    record = await monitor_service.create_monitor(
        session, organization_id=organization_id, data=data, settings=settings
    )
    if new.paused:
        await monitor_service.pause_monitor(session, monitor=record.monitor)
