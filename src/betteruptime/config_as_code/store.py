"""Reading what a file is compared with: the user it is applied as, the organization it
is applied to, its monitors and channels (through the same services as the API)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.config_as_code.document import MONITOR_FIELDS, ConfigError
from betteruptime.config_as_code.plan import Link, Stored, StoredChannel, StoredMonitor
from betteruptime.db.models import Channel, User
from betteruptime.domain.roles import allows
from betteruptime.services import channels as channel_service
from betteruptime.services import monitors as monitor_service
from betteruptime.services import users as user_service
from betteruptime.services.organizations import list_for_user, personal_organization_id

PAGE = 500


@dataclass(slots=True)
class Loaded:
    """The comparable snapshot, and the rows behind it for the services that change them."""

    stored: Stored
    monitors: dict[int, monitor_service.MonitorRecord]
    channels: dict[int, Channel]


async def find_user(session: AsyncSession, *, email: str | None) -> User:
    """The user named by `email`, or the only user there is."""
    if email is not None:
        user = await user_service.get_user_by_email(session, email=email)
        if user is None:
            raise ConfigError([f"no user with e-mail {email}"])
        return user
    users = (await session.scalars(select(User).order_by(User.id).limit(2))).all()
    if not users:
        raise ConfigError(["there is no user yet: create one with `betteruptime user create`"])
    if len(users) > 1:
        raise ConfigError(["there is more than one user: pass --email to say whose it is"])
    return users[0]


async def find_organization(session: AsyncSession, *, user: User, named: str | None) -> int:
    """The id of the organization `named` (its id or its name) that `user` may manage the
    monitors and channels of (an admin or owner: a file holds channel URLs); by default
    their personal organization. ConfigError for an unknown one, one they are not a
    member of (alike: no telling which exists), a name shared by several, a lower role."""
    if named is None:
        return await personal_organization_id(session, user=user)
    mine = await list_for_user(session, user_id=user.id)
    wanted = named.strip()
    found = [m for m in mine if str(m.organization.id) == wanted]
    if not found:
        found = [m for m in mine if m.organization.name.casefold() == wanted.casefold()]
    if not found:
        raise ConfigError([f"{user.email} is not a member of an organization {named!r}"])
    if len(found) > 1:
        ids = ", ".join(str(m.organization.id) for m in found)
        raise ConfigError([f"several organizations are named {named!r}: pass its id ({ids})"])
    membership = found[0]
    if not (
        allows(membership.role, "write_monitors") and allows(membership.role, "write_channels")
    ):
        raise ConfigError(
            [
                f"{user.email} is {membership.role} of {membership.organization.name!r}: "
                "config as code needs an admin or owner (files hold channels)"
            ]
        )
    return membership.organization.id


async def load(session: AsyncSession, *, organization_id: int) -> Loaded:
    channels = await channel_service.list_channels(session, organization_id=organization_id)
    names = {channel.id: channel.name for channel in channels}
    records: list[monitor_service.MonitorRecord] = []
    while True:
        page = await monitor_service.list_monitors(
            session, organization_id=organization_id, limit=PAGE, offset=len(records)
        )
        records += page
        if len(page) < PAGE:
            break
    stored = Stored(
        channels=tuple(StoredChannel(c.id, c.name, c.url) for c in channels),
        monitors=tuple(
            StoredMonitor(
                id=record.monitor.id,
                name=record.monitor.name,
                values={name: getattr(record.monitor, name) for name in MONITOR_FIELDS},
                links=frozenset(
                    Link(names[rule.channel_id], tuple(rule.events), rule.delay_minutes)
                    for rule in record.channel_rules
                ),
                paused=record.monitor.paused,
            )
            for record in records
        ),
    )
    return Loaded(
        stored,
        monitors={record.monitor.id: record for record in records},
        channels={channel.id: channel for channel in channels},
    )
