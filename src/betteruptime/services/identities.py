"""Who an OpenID Connect sign-in is: the linked user, a user linked now, or a new one.

Matched by (issuer, subject) first, the provider's stable identifier. A first sign-in
links to the account with the same email only if the provider vouches for the address
(`email_verified`): otherwise anyone who can put that address on an account at the
provider, unconfirmed, would sign in as its owner here. An account is created for an
address nobody has yet only when sign-up is allowed, and with a verified address too, so
nobody can claim an address for someone else who would later sign in with it.
"""

from __future__ import annotations

import asyncio
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.auth import passwords
from betteruptime.auth.oidc import Identity
from betteruptime.db.models import OidcIdentity, User
from betteruptime.services.organizations import create_personal_organization
from betteruptime.services.users import UserInputError, get_user_by_email, normalize_email

NO_EMAIL = "The sign-in provider did not share your email address, which is needed here."
UNVERIFIED = (
    "Your email address is not verified at the sign-in provider. Verify it there, or sign "
    "in with your password."
)
NO_SIGNUP = (
    "There is no account for this email here yet. Ask the administrator for one, then sign "
    "in with the provider again."
)

COLLIDED = "Another sign-in for this email was under way at the same moment. Try again."


class IdentityRefused(Exception):
    """The identity cannot sign in as anyone here; the message says why (shown as it is),
    `reason` in a word (for the log)."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


async def _linked(session: AsyncSession, identity: Identity) -> User | None:
    statement = (
        select(User)
        .join(OidcIdentity, OidcIdentity.user_id == User.id)
        .where(OidcIdentity.issuer == identity.issuer, OidcIdentity.subject == identity.subject)
    )
    return (await session.scalars(statement)).one_or_none()


async def _unusable_password_hash() -> str:
    # A hash of a random password nobody is told: password sign-in fails like any wrong
    # password until the user sets one, and no code path needs to special-case it.
    return await asyncio.to_thread(passwords.hash_password, secrets.token_urlsafe(32))


async def user_for_identity(
    session: AsyncSession, *, identity: Identity, allow_signup: bool
) -> User:
    """The user this identity signs in as, linking or creating one on a first sign-in
    (committed). Raises IdentityRefused."""
    user = await _linked(session, identity)
    if user is not None:
        return user
    if not identity.email:
        raise IdentityRefused(NO_EMAIL, reason="no_email")
    try:
        email = normalize_email(identity.email)
    except UserInputError:
        raise IdentityRefused(NO_EMAIL, reason="no_email") from None
    if not identity.email_verified:
        raise IdentityRefused(UNVERIFIED, reason="unverified")
    user = await get_user_by_email(session, email=email)
    if user is None:
        if not allow_signup:
            raise IdentityRefused(NO_SIGNUP, reason="no_signup")
        user = User(email=email, password_hash=await _unusable_password_hash())
        session.add(user)
        await session.flush()
        await create_personal_organization(session, user=user)
    session.add(
        OidcIdentity(user_id=user.id, issuer=identity.issuer, subject=identity.subject, email=email)
    )
    try:
        await session.commit()
    except IntegrityError:
        # The same first sign-in twice at once (two tabs): the other one linked it.
        await session.rollback()
        user = await _linked(session, identity)
        if user is None:  # a sign-up for the same email at the same moment
            raise IdentityRefused(COLLIDED, reason="collided") from None
    return user
