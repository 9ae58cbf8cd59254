"""Token service against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from betteruptime.auth.tokens import hash_token
from betteruptime.db.models import User
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.services import tokens


async def _user(sessions: SessionFactory) -> User:
    async with sessions() as session:
        user = User(email="ann@example.org", password_hash="x")
        session.add(user)
        await session.commit()
        return user


async def test_it_issues_a_token_that_stores_only_its_digest(sessions: SessionFactory) -> None:
    user = await _user(sessions)

    async with sessions() as session:
        token, row = await tokens.issue_token(session, user=user, ttl_days=7, name="cli")

    assert token.startswith("bu_") and len(token) == 46
    assert row.token_hash == hash_token(token)
    assert row.name == "cli"
    assert row.expires_at - row.created_at == timedelta(days=7)


async def test_it_resolves_a_token_to_its_user_until_it_expires(sessions: SessionFactory) -> None:
    user = await _user(sessions)
    async with sessions() as session:
        token, row = await tokens.issue_token(session, user=user, ttl_days=1)

    async with sessions() as session:
        now = await tokens.authenticate_token(session, token=token)
        later = await tokens.authenticate_token(
            session, token=token, now=row.expires_at + timedelta(seconds=1)
        )
        other = await tokens.authenticate_token(session, token=token + "x")

    assert now is not None and now[0].id == user.id
    assert later is None and other is None


async def test_it_refuses_token_names_that_do_not_fit(sessions: SessionFactory) -> None:
    user = await _user(sessions)

    async with sessions() as session:
        with pytest.raises(ValueError, match="at most 100"):
            await tokens.issue_token(session, user=user, ttl_days=1, name="x" * 101)


async def test_it_touches_last_used_at_at_most_once_a_minute(sessions: SessionFactory) -> None:
    user = await _user(sessions)
    async with sessions() as session:
        token, _ = await tokens.issue_token(session, user=user, ttl_days=1)
    start = utcnow()

    async def used_at(now: datetime) -> datetime | None:
        async with sessions() as session:
            found = await tokens.authenticate_token(session, token=token, now=now)
            assert found is not None
            return found[1].last_used_at

    assert await used_at(start) == start
    assert await used_at(start + timedelta(seconds=30)) == start
    assert await used_at(start + timedelta(seconds=61)) == start + timedelta(seconds=61)
