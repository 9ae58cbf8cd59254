"""API tokens: issue one after a login, resolve a bearer token to its user. Each token is
bound to an organization: a sign-in token to the user's personal one."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.auth.tokens import TOKEN_PREFIX, generate_token, hash_token
from betteruptime.db.models import ApiToken, User
from betteruptime.db.types import utcnow
from betteruptime.services import audit
from betteruptime.services.organizations import personal_organization_id

MAX_NAME_LENGTH = 100
# Longer than any token we issue; anything longer is not worth hashing.
MAX_TOKEN_LENGTH = 200
# An organization's token lasts until it is revoked (the column needs a date).
ORGANIZATION_TOKEN_DAYS = 3650
# last_used_at is informational: refreshing it once a minute keeps reads read-only.
TOUCH_INTERVAL = timedelta(minutes=1)


async def issue_token(
    session: AsyncSession,
    *,
    user: User,
    ttl_days: int,
    name: str = "",
    organization_id: int | None = None,
    scope: str | None = None,
) -> tuple[str, ApiToken]:
    """Create and commit a token bound to `organization_id` (by default the user's
    personal organization); returns the token text (shown once) and its row. With a
    `scope` (`read`, `write`) it is an organization's token, made by `user`."""
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"a token name has at most {MAX_NAME_LENGTH} characters")
    if ttl_days < 1:
        raise ValueError("a token lives at least one day")
    if organization_id is None:
        organization_id = await personal_organization_id(session, user=user)
    token = generate_token()
    now = utcnow()
    row = ApiToken(
        user_id=user.id,
        organization_id=organization_id,
        token_hash=hash_token(token),
        name=name,
        created_at=now,
        expires_at=now + timedelta(days=ttl_days),
        scope=scope,
    )
    session.add(row)
    if scope is not None:  # an organization's token: a change to the organization's access
        await session.flush()
        changes = {"name": [None, name], "scope": [None, scope]}
        audit.record_change(session, "api_token.create", row, changes)
    await session.commit()
    return token, row


async def issue_organization_token(
    session: AsyncSession, *, user: User, organization_id: int, name: str, scope: str
) -> tuple[str, ApiToken]:
    """An organization's token of `scope`, made by `user` (an admin), lasting until it is
    revoked; the token text (shown once) and its row."""
    return await issue_token(
        session,
        user=user,
        ttl_days=ORGANIZATION_TOKEN_DAYS,
        name=name,
        organization_id=organization_id,
        scope=scope,
    )


async def authenticate_token(
    session: AsyncSession, *, token: str, now: datetime | None = None
) -> tuple[User, ApiToken] | None:
    """The user and token row for an unexpired bearer token, or None.

    Refreshes `last_used_at` (and commits) at most once per TOUCH_INTERVAL per token.
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = now or utcnow()
    statement = (
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.expires_at > now)
    )
    found = (await session.execute(statement)).one_or_none()
    if found is None:
        return None
    user, api_token = found
    await _touch(session, api_token=api_token, now=now)
    return user, api_token


async def _touch(session: AsyncSession, *, api_token: ApiToken, now: datetime) -> None:
    stale = now - TOUCH_INTERVAL
    if api_token.last_used_at is not None and api_token.last_used_at > stale:
        return
    # Conditional, so concurrent requests with one token write it once between them.
    await session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == api_token.id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= stale),
        )
        .values(last_used_at=now)
    )
    await session.commit()


async def list_tokens(session: AsyncSession, *, user_id: int) -> list[ApiToken]:
    """The user's unexpired sign-in tokens, newest first (their hashes stay inside)."""
    return await _list(session, ApiToken.user_id == user_id, ApiToken.scope.is_(None))


async def revoke_token(session: AsyncSession, *, user_id: int, token_id: int) -> bool:
    """Delete one of the user's sign-in tokens; False if there is no such token of theirs."""
    return await _revoke(
        session, ApiToken.id == token_id, ApiToken.user_id == user_id, ApiToken.scope.is_(None)
    )


async def list_organization_tokens(
    session: AsyncSession, *, organization_id: int
) -> list[ApiToken]:
    """The organization's (scoped) API tokens, newest first."""
    return await _list(
        session, ApiToken.organization_id == organization_id, ApiToken.scope.is_not(None)
    )


async def revoke_organization_token(
    session: AsyncSession, *, organization_id: int, token_id: int
) -> bool:
    """Delete one of the organization's API tokens; False if it has no such token."""
    result = await session.execute(
        delete(ApiToken).where(
            ApiToken.id == token_id,
            ApiToken.organization_id == organization_id,
            ApiToken.scope.is_not(None),
        )
    )
    revoked = bool(getattr(result, "rowcount", 0))
    if revoked:
        audit.record(
            session,
            "api_token.delete",
            organization_id=organization_id,
            object_type="api_token",
            object_id=token_id,
        )
    await session.commit()
    return revoked


async def _list(session: AsyncSession, *conditions: ColumnElement[bool]) -> list[ApiToken]:
    statement = (
        select(ApiToken)
        .where(*conditions, ApiToken.expires_at > utcnow())
        .order_by(ApiToken.id.desc())
    )
    return list((await session.scalars(statement)).all())


async def _revoke(session: AsyncSession, *conditions: ColumnElement[bool]) -> bool:
    result = await session.execute(delete(ApiToken).where(*conditions))
    await session.commit()
    return bool(getattr(result, "rowcount", 0))


async def revoke_all(session: AsyncSession, *, user_id: int) -> None:
    """Delete every token of the user (uncommitted: part of a password change)."""
    await session.execute(delete(ApiToken).where(ApiToken.user_id == user_id))
