"""Notification channels: create, list, delete, always scoped to their organization.

A channel's URL is checked with Apprise before it is saved, and stored whole (the
notifier needs it); whatever leaves this module for display goes through `mask_url`.
Each channel also keeps how its deliveries went lately (`record_delivery`), written by
the notifier and by test messages.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.alerting.render import render_test
from betteruptime.alerting.rules import DEFAULT_EVENTS
from betteruptime.alerting.sender import Sender, SendOutcome
from betteruptime.alerting.urls import validate_apprise_url
from betteruptime.db.models import Channel, MonitorChannel
from betteruptime.db.types import utcnow
from betteruptime.domain.audit import MASK
from betteruptime.schemas.links import ChannelRule
from betteruptime.services import audit
from betteruptime.services.users import UserInputError


class ChannelInvalidError(UserInputError):
    """A channel that cannot be saved; `field` names the part that is wrong."""


async def create_channel(
    session: AsyncSession, *, organization_id: int, name: str, url: str
) -> Channel:
    """Save a channel whose URL Apprise can use; ChannelInvalidError("url", …) otherwise."""
    try:
        checked = validate_apprise_url(url)
    except ValueError as error:
        raise ChannelInvalidError("url", str(error)) from None
    channel = Channel(organization_id=organization_id, name=name, url=checked, created_at=utcnow())
    session.add(channel)
    await session.flush()  # the entry names its id
    audit.record_change(
        session, "channel.create", channel, {"name": [None, name], "url": [None, MASK]}
    )
    await session.commit()
    return channel


async def change_channel_url(session: AsyncSession, *, channel: Channel, url: str) -> None:
    """Point a channel somewhere else, checked as a new one is; its links stay."""
    try:
        channel.url = validate_apprise_url(url)
    except ValueError as error:
        raise ChannelInvalidError("url", str(error)) from None
    # The old address's failures say nothing about the new one.
    channel.last_failure_at, channel.last_failure = None, None
    channel.last_failure_permanent = False
    audit.record_change(
        session, "channel.update", channel, audit.pending_changes(channel, ("url",), ("url",))
    )
    await session.commit()


async def record_delivery(
    session: AsyncSession,
    *,
    channel_id: int,
    at: datetime,
    ok: bool,
    error: str | None = None,
    permanent: bool = False,
) -> None:
    """Note how a delivery to the channel went (uncommitted): its last success, or its
    last failure with the error (secrets already masked by the sender)."""
    values: dict[str, object] = {"last_delivered_at": at}
    if not ok:
        values = {"last_failure_at": at, "last_failure": error, "last_failure_permanent": permanent}
    await session.execute(
        update(Channel)
        .where(Channel.id == channel_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def send_test(session: AsyncSession, *, channel: Channel, sender: Sender) -> SendOutcome:
    """Send the channel a test message now, and note how it went on the channel."""
    outcome = await sender.send(channel.url, render_test(channel.name), kind="test")
    await record_delivery(
        session,
        channel_id=channel.id,
        at=utcnow(),
        ok=outcome.ok,
        error=outcome.error,
        permanent=outcome.permanent,
    )
    await session.commit()
    return outcome


async def list_channels(session: AsyncSession, *, organization_id: int) -> list[Channel]:
    """The organization's channels by id (URLs whole: mask them before showing)."""
    statement = (
        select(Channel).where(Channel.organization_id == organization_id).order_by(Channel.id)
    )
    return list((await session.scalars(statement)).all())


async def get_channel(
    session: AsyncSession, *, organization_id: int, channel_id: int
) -> Channel | None:
    """The organization's channel; None if missing or another organization's (they look alike)."""
    statement = select(Channel).where(
        Channel.id == channel_id, Channel.organization_id == organization_id
    )
    return (await session.scalars(statement)).one_or_none()


async def delete_channel(session: AsyncSession, *, channel: Channel) -> None:
    """Delete a channel; its links to monitors go with it (foreign-key cascade)."""
    audit.record_change(session, "channel.delete", channel, {"name": [channel.name, None]})
    await session.delete(channel)
    await session.commit()


async def get_owned_channel_ids(
    session: AsyncSession, *, organization_id: int, ids: Collection[int]
) -> set[int]:
    """Those of `ids` that are channels of `organization_id`, in one query."""
    if not ids:
        return set()
    statement = select(Channel.id).where(
        Channel.organization_id == organization_id, Channel.id.in_(set(ids))
    )
    return set((await session.scalars(statement)).all())


async def rules_by_monitor(
    session: AsyncSession, *, monitor_ids: Iterable[int]
) -> dict[int, list[ChannelRule]]:
    """The channel links of each monitor with their rules, by channel id, in one query
    for the whole page."""
    wanted = set(monitor_ids)
    linked: dict[int, list[ChannelRule]] = {monitor_id: [] for monitor_id in wanted}
    if not wanted:
        return linked
    statement = (
        select(MonitorChannel)
        .where(MonitorChannel.monitor_id.in_(wanted))
        .order_by(MonitorChannel.monitor_id, MonitorChannel.channel_id)
    )
    for link in await session.scalars(statement):
        linked[link.monitor_id].append(
            ChannelRule(
                channel_id=link.channel_id,
                events=link.events or list(DEFAULT_EVENTS),  # type: ignore[arg-type]
                delay_minutes=link.delay_minutes,
            )
        )
    return linked


async def replace_links(
    session: AsyncSession, *, monitor_id: int, rules: Iterable[ChannelRule]
) -> list[ChannelRule]:
    """Make `rules` the monitor's channel links (uncommitted); returns them by channel id.

    The channels must already be known to be the monitor's organization's.
    """
    wanted = sorted(rules, key=lambda rule: rule.channel_id)
    await session.execute(delete(MonitorChannel).where(MonitorChannel.monitor_id == monitor_id))
    session.add_all(
        MonitorChannel(
            monitor_id=monitor_id,
            channel_id=rule.channel_id,
            events=list(rule.events),
            delay_minutes=rule.delay_minutes,
        )
        for rule in wanted
    )
    return wanted
