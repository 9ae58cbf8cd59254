"""Invitations to an organization: made by an admin (or an owner, for owners), valid for
INVITATION_DAYS, used once, revoked by deleting them. The link's token is random; only
its SHA-256 is stored (auth/tokens.hash_token), so the database alone cannot accept one.

Whoever follows the link and is signed in accepts it, whatever their email: the link is
the proof. Someone already a member keeps the higher of their role and the invitation's
(never demoted by an invitation). Functions commit unless they say otherwise; the actor
is passed in, so the place an action happens is one call (for the audit log).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.auth.tokens import hash_token
from betteruptime.db.models import Invitation, Membership, Organization, User
from betteruptime.db.types import utcnow
from betteruptime.domain.audit import Actor
from betteruptime.domain.roles import Role, outranks
from betteruptime.logs import get_logger, kv
from betteruptime.mail.mailer import Mailer, MailError
from betteruptime.mail.templates import invitation_mail
from betteruptime.services import audit

log = get_logger("invitations")

INVITATION_DAYS = 7
# Longer than any link token we make (43 characters); anything longer is not one.
MAX_TOKEN_LENGTH = 100


class InvitationGone(Exception):
    """The invitation was used or has expired (answered with 410); the message says which."""


@dataclass(frozen=True, slots=True)
class InvitationView:
    """An invitation as its link shows it: to what, as what, from whom, and whether it
    can still be accepted (`problem`: why not, or None)."""

    invitation: Invitation
    organization_name: str
    inviter: str
    problem: str | None


@dataclass(frozen=True, slots=True)
class Accepted:
    organization_id: int
    organization_name: str
    role: Role


@dataclass(frozen=True, slots=True)
class Invited:
    invitation: Invitation
    accept_url: str  # shown once: only its token's hash is stored
    mail_sent: bool


def accept_url(base_url: str, token: str) -> str:
    """The dashboard page that shows the invitation and accepts it."""
    return f"{base_url.rstrip('/')}/invitations/{token}"


async def invite(
    session: AsyncSession,
    *,
    organization: Organization,
    inviter: User,
    email: str,
    role: Role,
    base_url: str,
    mailer: Mailer | None,
) -> Invited:
    """Invite `email` to `organization` with `role` (committed), then mail the link when
    there is a mailer; the link is returned either way. Who may invite whom is the
    caller's business."""
    name = organization.name
    token, invitation = await create_invitation(
        session, organization_id=organization.id, inviter=inviter, email=email, role=role
    )
    url = accept_url(base_url, token)
    sent = await _mail(mailer, invitation, inviter=inviter.email, organization=name, url=url)
    return Invited(invitation, url, sent)


async def _mail(
    mailer: Mailer | None, invitation: Invitation, *, inviter: str, organization: str, url: str
) -> bool:
    """Send the invitation; False without a mailer or when the server did not take it
    (logged with the server's reason, never the link)."""
    if mailer is None:
        return False
    message = invitation_mail(
        to=invitation.email,
        inviter=inviter,
        organization=organization,
        role=invitation.role,
        accept_url=url,
        expires_at=invitation.expires_at,
    )
    try:
        await mailer.send(message)
    except MailError as error:
        log.warning(
            kv(event="invitation_mail_failed", invitation_id=invitation.id, reason=error.reason)
        )
        return False
    return True


async def create_invitation(
    session: AsyncSession, *, organization_id: int, inviter: User, email: str, role: Role
) -> tuple[str, Invitation]:
    """A new invitation and the token of its link (shown once)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = Invitation(
        organization_id=organization_id,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by_id=inviter.id,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    await session.flush()
    changes = {"email": [None, email], "role": [None, role]}
    audit.record_change(session, "invitation.create", invitation, changes)
    await session.commit()
    return token, invitation


async def list_pending(session: AsyncSession, *, organization_id: int) -> list[Invitation]:
    """The organization's invitations not used and not expired, oldest first."""
    statement = (
        select(Invitation)
        .where(
            Invitation.organization_id == organization_id,
            Invitation.accepted_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.id)
    )
    return list((await session.scalars(statement)).all())


async def revoke_invitation(
    session: AsyncSession, *, organization_id: int, invitation_id: int
) -> bool:
    """Delete a pending invitation of the organization; False if it has none such."""
    result = await session.execute(
        delete(Invitation).where(
            Invitation.id == invitation_id,
            Invitation.organization_id == organization_id,
            Invitation.accepted_at.is_(None),
        )
    )
    revoked = bool(getattr(result, "rowcount", 0))
    if revoked:
        audit.record(
            session,
            "invitation.delete",
            organization_id=organization_id,
            object_type="invitation",
            object_id=invitation_id,
        )
    await session.commit()
    return revoked


def _problem(invitation: Invitation, now: datetime) -> str | None:
    if invitation.accepted_at is not None:
        return "This invitation was already used; ask for a new one."
    if invitation.expires_at <= now:
        return "This invitation has expired; ask for a new one."
    return None


async def find_invitation(session: AsyncSession, *, token: str) -> InvitationView | None:
    """The invitation whose link has `token` (used or expired ones too), or None for an
    unknown or revoked one."""
    if not 1 <= len(token) <= MAX_TOKEN_LENGTH:
        return None
    found = (
        await session.execute(
            select(Invitation, Organization.name, User.email)
            .join(Organization, Organization.id == Invitation.organization_id)
            .outerjoin(User, User.id == Invitation.invited_by_id)
            .where(Invitation.token_hash == hash_token(token))
        )
    ).one_or_none()
    if found is None:
        return None
    invitation, name, inviter = found
    return InvitationView(
        invitation, name, inviter or "A former member", _problem(invitation, utcnow())
    )


async def accept_invitation(session: AsyncSession, *, view: InvitationView, user: User) -> Accepted:
    """Make `user` a member with the invitation's role (keeping a higher role they
    have) and mark it used; InvitationGone if it was used or has expired."""
    if view.problem is not None:
        raise InvitationGone(view.problem)
    invitation = view.invitation
    role = cast(Role, invitation.role)
    now = utcnow()
    # Used once, even by two clicks at the same moment: only one update finds it unused.
    claimed = await session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=now, accepted_by_id=user.id)
    )
    if not getattr(claimed, "rowcount", 0):
        await session.rollback()
        raise InvitationGone("This invitation was already used; ask for a new one.")
    membership = await session.get(Membership, (invitation.organization_id, user.id))
    if membership is None:
        session.add(
            Membership(
                organization_id=invitation.organization_id,
                user_id=user.id,
                role=role,
                created_at=now,
            )
        )
    elif outranks(role, cast(Role, membership.role)):
        membership.role = role
    else:
        role = cast(Role, membership.role)
    # The accepting user acts outside the organization's context (they were not in it).
    audit.record_change(
        session,
        "invitation.accept",
        invitation,
        {"user": [None, user.email], "role": [None, role]},
        actor=Actor("user", user.id, user.email),
    )
    await session.commit()
    return Accepted(invitation.organization_id, view.organization_name, role)
