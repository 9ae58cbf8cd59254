"""Organizations and their members: the personal organization every user gets at sign-up,
teams made later, who belongs to which with what role, and the rules that keep an
organization manageable (it always has an owner; a personal one is never deleted).

Roles and what they allow are in domain/roles.py; who may call which function is the
routes' business (api/access.py). Functions here commit unless they say otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import Membership, Monitor, Organization, User
from betteruptime.db.types import utcnow
from betteruptime.domain.audit import Actor
from betteruptime.domain.roles import Role
from betteruptime.services import audit
from betteruptime.services.history import delete_history


class OrganizationConflict(Exception):
    """A change refused because of the organization's state (answered with 409); the
    message says why. `code` names the rule."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


LAST_OWNER = OrganizationConflict(
    "last_owner",
    "An organization keeps at least one owner: make another member an owner first.",
)
PERSONAL = OrganizationConflict(
    "personal_organization",
    "A personal organization cannot be deleted; it goes with its user.",
)


@dataclass(frozen=True, slots=True)
class OrganizationRole:
    """An organization as one of its members sees it."""

    organization: Organization
    role: Role


@dataclass(frozen=True, slots=True)
class Member:
    user_id: int
    email: str
    role: Role


def personal_name(email: str) -> str:
    return f"{email}'s organization"


async def create_personal_organization(session: AsyncSession, *, user: User) -> Organization:
    """The user's personal organization, with them as owner (flushed, uncommitted: part
    of the sign-up's transaction). `user` must have an id."""
    organization = Organization(
        name=personal_name(user.email), personal=True, created_by_id=user.id, created_at=utcnow()
    )
    session.add(organization)
    await session.flush()
    session.add(Membership(organization_id=organization.id, user_id=user.id, role="owner"))
    await session.flush()
    return organization


async def personal_organization_id(session: AsyncSession, *, user: User) -> int:
    """The id of the user's personal organization, made now if they have none (a user
    inserted some other way than sign-up)."""
    found = await session.scalar(
        select(Organization.id)
        .where(Organization.personal.is_(True), Organization.created_by_id == user.id)
        .order_by(Organization.id)
        .limit(1)
    )
    if found is not None:
        return found
    organization = await create_personal_organization(session, user=user)
    await session.commit()
    return organization.id


async def role_in(session: AsyncSession, *, organization_id: int, user_id: int) -> Role | None:
    """The user's role in the organization; None if they are not a member."""
    role = await session.scalar(
        select(Membership.role).where(
            Membership.organization_id == organization_id, Membership.user_id == user_id
        )
    )
    return cast(Role | None, role)


async def list_for_user(session: AsyncSession, *, user_id: int) -> list[OrganizationRole]:
    """The user's organizations by id, each with their role in it."""
    rows = await session.execute(
        select(Organization, Membership.role)
        .join(Membership, Membership.organization_id == Organization.id)
        .where(Membership.user_id == user_id)
        .order_by(Organization.id)
    )
    return [OrganizationRole(organization, cast(Role, role)) for organization, role in rows]


async def create_organization(session: AsyncSession, *, user: User, name: str) -> Organization:
    """A new (team) organization with `user` as its owner."""
    organization = Organization(
        name=name, personal=False, created_by_id=user.id, created_at=utcnow()
    )
    session.add(organization)
    await session.flush()
    session.add(Membership(organization_id=organization.id, user_id=user.id, role="owner"))
    maker = Actor("user", user.id, user.email)
    changes = {"name": [None, name]}
    audit.record_change(session, "organization.create", organization, changes, actor=maker)
    await session.commit()
    return organization


async def rename_organization(
    session: AsyncSession, *, organization: Organization, name: str
) -> None:
    changes = {"name": [organization.name, name]}
    organization.name = name
    audit.record_change(session, "organization.update", organization, changes)
    await session.commit()


async def delete_organization(session: AsyncSession, *, organization: Organization) -> None:
    """Delete a team organization with everything it owns, in one transaction. Its
    monitors, channels, status pages, windows, tokens and memberships go by foreign-key
    cascade; the monitors' checks, rollups and events carry no foreign key (written in
    bulk), so they are deleted here. OrganizationConflict for a personal one."""
    if organization.personal:
        raise PERSONAL
    await delete_history(
        session, select(Monitor.id).where(Monitor.organization_id == organization.id)
    )
    await session.delete(organization)
    # Its own log goes with it: the deletion is written down where the deleter keeps theirs.
    actor = audit.actor_of(session)
    if actor.type == "user" and actor.id is not None:
        deleter = await session.get(User, actor.id)
        if deleter is not None:
            audit.record(
                session,
                "organization.delete",
                organization_id=await personal_organization_id(session, user=deleter),
                object_type="organization",
                object_id=organization.id,
                changes={"name": [organization.name, None]},
            )
    await session.commit()


async def list_members(session: AsyncSession, *, organization_id: int) -> list[Member]:
    """The organization's members by user id."""
    rows = await session.execute(
        select(User.id, User.email, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id)
        .order_by(User.id)
    )
    return [Member(user_id, email, cast(Role, role)) for user_id, email, role in rows]


async def get_membership(
    session: AsyncSession, *, organization_id: int, user_id: int
) -> Membership | None:
    return await session.get(Membership, (organization_id, user_id))


async def _owners(session: AsyncSession, organization_id: int) -> int:
    count = await session.scalar(
        select(func.count()).where(
            Membership.organization_id == organization_id, Membership.role == "owner"
        )
    )
    return int(count or 0)


async def change_role(session: AsyncSession, *, membership: Membership, role: Role) -> None:
    """Give the member another role; the last owner cannot be demoted (OrganizationConflict)."""
    demoted = membership.role == "owner" and role != "owner"
    if demoted and await _owners(session, membership.organization_id) <= 1:
        raise LAST_OWNER
    _record_member(session, "member.update", membership, {"role": [membership.role, role]})
    membership.role = role
    await session.commit()


async def remove_member(session: AsyncSession, *, membership: Membership) -> None:
    """Take the member out; the last owner cannot leave (OrganizationConflict)."""
    if membership.role == "owner" and await _owners(session, membership.organization_id) <= 1:
        raise LAST_OWNER
    _record_member(session, "member.delete", membership, {"role": [membership.role, None]})
    await session.delete(membership)
    await session.commit()


def _record_member(
    session: AsyncSession, action: str, membership: Membership, changes: dict[str, Any]
) -> None:
    audit.record(
        session,
        action,
        organization_id=membership.organization_id,
        object_type="member",
        object_id=membership.user_id,
        changes=changes,
    )
