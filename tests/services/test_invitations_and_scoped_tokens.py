"""Invitations and organization tokens in the database, on SQLite and PostgreSQL: an
invitation is accepted once (two claims of one link: one wins), its member keeps the
higher role, expired ones are not pending; an organization's tokens are listed apart from
sign-in tokens and revoked only within their organization."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from betteruptime.db.models import Invitation, Membership, User
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.services import invitations, organizations, tokens


async def _user(sessions: SessionFactory, email: str) -> User:
    async with sessions() as session:
        user = User(email=email, password_hash="x")
        session.add(user)
        await session.flush()
        await organizations.create_personal_organization(session, user=user)
        await session.commit()
        return user


async def test_an_invitation_is_accepted_once_and_keeps_the_higher_role(
    sessions: SessionFactory,
) -> None:
    owner = await _user(sessions, "owner@example.org")
    guest = await _user(sessions, "guest@example.org")
    async with sessions() as session:
        team = await organizations.create_organization(session, user=owner, name="Ops")
        token, _ = await invitations.create_invitation(
            session, organization_id=team.id, inviter=owner, email="g@example.org", role="editor"
        )
        lower, _ = await invitations.create_invitation(
            session, organization_id=team.id, inviter=owner, email="g@example.org", role="viewer"
        )
    async with sessions() as first, sessions() as second:
        view_1 = await invitations.find_invitation(first, token=token)
        view_2 = await invitations.find_invitation(second, token=token)
        assert view_1 is not None and view_2 is not None and view_1.inviter == "owner@example.org"
        accepted = await invitations.accept_invitation(first, view=view_1, user=guest)
        with pytest.raises(invitations.InvitationGone):  # read before the first was used
            await invitations.accept_invitation(second, view=view_2, user=guest)
    async with sessions() as session:
        view = await invitations.find_invitation(session, token=lower)
        assert view is not None
        kept = await invitations.accept_invitation(session, view=view, user=guest)
        membership = await session.get(Membership, (team.id, guest.id))
        pending = await invitations.list_pending(session, organization_id=team.id)

    assert accepted.role == "editor" and kept.role == "editor"
    assert membership is not None and membership.role == "editor"
    assert pending == []


async def test_expired_invitations_are_not_pending_and_cannot_be_accepted(
    sessions: SessionFactory,
) -> None:
    owner = await _user(sessions, "owner@example.org")
    async with sessions() as session:
        team = await organizations.create_organization(session, user=owner, name="Ops")
        token, _ = await invitations.create_invitation(
            session, organization_id=team.id, inviter=owner, email="g@example.org", role="viewer"
        )
        await session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(minutes=1)))
        await session.commit()
        view = await invitations.find_invitation(session, token=token)
        pending = await invitations.list_pending(session, organization_id=team.id)

    assert pending == []
    assert view is not None and view.problem is not None and "expired" in view.problem


async def test_organization_tokens_are_apart_from_sign_in_tokens(
    sessions: SessionFactory,
) -> None:
    owner = await _user(sessions, "owner@example.org")
    async with sessions() as session:
        team = await organizations.create_organization(session, user=owner, name="Ops")
        other = await organizations.create_organization(session, user=owner, name="Other")
        _, sign_in = await tokens.issue_token(session, user=owner, ttl_days=1)
        _, scoped = await tokens.issue_token(
            session, user=owner, ttl_days=1, organization_id=team.id, scope="read"
        )
        mine = await tokens.list_tokens(session, user_id=owner.id)
        listed = await tokens.list_organization_tokens(session, organization_id=team.id)
        elsewhere = await tokens.revoke_organization_token(
            session, organization_id=other.id, token_id=scoped.id
        )
        not_scoped = await tokens.revoke_organization_token(
            session, organization_id=team.id, token_id=sign_in.id
        )
        revoked = await tokens.revoke_organization_token(
            session, organization_id=team.id, token_id=scoped.id
        )

    assert [t.id for t in mine] == [sign_in.id]
    assert [(t.id, t.scope) for t in listed] == [(scoped.id, "read")]
    assert (elsewhere, not_scoped, revoked) == (False, False, True)
