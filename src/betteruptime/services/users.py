"""Users: sign-up and password login.

Emails are stored lowercased, so uniqueness and lookups are case-insensitive on every
database. The validators here are shared by the API schemas and the CLI, so both refuse
the same input with the same words.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.auth import passwords
from betteruptime.db.models import User
from betteruptime.domain.audit import Actor
from betteruptime.schemas.text import is_control
from betteruptime.services import audit
from betteruptime.services.organizations import (
    create_personal_organization,
    personal_organization_id,
)
from betteruptime.services.tokens import revoke_all

MAX_EMAIL_LENGTH = 254
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


class UserError(Exception):
    """A user cannot be created as asked; the message says why (shown by the CLI)."""


class UserInputError(UserError, ValueError):
    """An email or password that cannot be accepted; `field` names which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class EmailTakenError(UserError):
    """Another user already has this email address."""

    def __init__(self, email: str) -> None:
        super().__init__(f"a user with the email {email} already exists")
        self.email = email


def normalize_email(email: str) -> str:
    """The stored form of an email (trimmed, lowercased), or UserInputError if not sane.

    Deliberately simple: one "@", something before it, a dotted domain after it. Whether
    the address really receives mail is for a confirmation email to find out, not a regex.
    """
    value = email.strip().lower()
    # As sent (what the API's schema states) and as stored (lowercasing may lengthen it).
    if max(len(email), len(value)) > MAX_EMAIL_LENGTH:
        raise UserInputError("email", f"an email address has at most {MAX_EMAIL_LENGTH} characters")
    local, at, domain = value.partition("@")
    labels = domain.split(".")
    if (
        not at
        or not local
        or "@" in domain
        or len(labels) < 2
        or not all(labels)
        or any(ch.isspace() or is_control(ch) for ch in value)
    ):
        raise UserInputError("email", "must be an email address like name@example.com")
    return value


def check_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise UserInputError(
            "password",
            f"a password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
        )
    return password


async def get_user_by_email(session: AsyncSession, *, email: str) -> User | None:
    """The user with this email, in any letter case; None if there is none."""
    statement = select(User).where(User.email == email.strip().lower())
    return (await session.scalars(statement)).one_or_none()


async def create_user(session: AsyncSession, *, email: str, password: str) -> User:
    """Create and commit a user with their personal organization (they own it).
    Raises UserInputError or EmailTakenError."""
    email = normalize_email(email)
    check_password(password)
    if await get_user_by_email(session, email=email) is not None:
        raise EmailTakenError(email)
    password_hash = await asyncio.to_thread(passwords.hash_password, password)
    user = User(email=email, password_hash=password_hash)
    session.add(user)
    try:
        await session.flush()
        await create_personal_organization(session, user=user)
        await session.commit()
    except IntegrityError:
        # Two sign-ups for one email raced past the check above; the unique index decided.
        await session.rollback()
        raise EmailTakenError(email) from None
    return user


async def authenticate(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    ip: str | None = None,
    record_failure: bool = True,
) -> User | None:
    """The user whose email and password these are, or None.

    An unknown email costs one dummy verification, so response times do not tell which
    emails have accounts. A wrong password for an account is written in its owner's
    audit log (`auth.sign_in_failed`) unless `record_failure` is False.
    """
    user = await get_user_by_email(session, email=email)
    if user is None:
        await asyncio.to_thread(passwords.verify_dummy, password)
        return None
    if not await asyncio.to_thread(passwords.verify_password, user.password_hash, password):
        if record_failure:
            changes = {"reason": [None, "password"]}
            await record_account_event(
                session, user=user, action="auth.sign_in_failed", ip=ip, changes=changes
            )
        return None
    if passwords.needs_rehash(user.password_hash):
        # Hashing parameters were raised since this password was set: upgrade it now,
        # the only moment the plain password is at hand.
        user.password_hash = await asyncio.to_thread(passwords.hash_password, password)
        await session.commit()
    return user


async def change_password(session: AsyncSession, *, user: User, new_password: str) -> None:
    """Set a new password and revoke every API token of the user, in one transaction:
    whoever held a token obtained with the old password is signed out."""
    user.password_hash = await asyncio.to_thread(
        passwords.hash_password, check_password(new_password)
    )
    await revoke_all(session, user_id=user.id)
    await record_account_event(session, user=user, action="auth.password_changed", commit=False)
    await session.commit()


async def record_account_event(
    session: AsyncSession,
    *,
    user: User,
    action: str,
    ip: str | None = None,
    changes: dict[str, list[str | None]] | None = None,
    commit: bool = True,
) -> None:
    """Write down a sign-in, a failed one or a change of the account's security.

    An account belongs to no organization: these go to the audit log of the user's
    personal organization (which only they own), by the user themselves."""
    audit.record(
        session,
        action,
        organization_id=await personal_organization_id(session, user=user),
        object_type="user",
        object_id=user.id,
        changes=changes,
        actor=Actor("user", user.id, user.email),
        ip=ip,
    )
    if commit:
        await session.commit()
