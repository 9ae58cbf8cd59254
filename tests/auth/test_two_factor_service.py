"""The two-factor service on SQLite and PostgreSQL: a code is used up in the database,
so two requests racing with one code (each with its own session) cannot both pass."""

from __future__ import annotations

import pyotp

from betteruptime.auth.secretbox import SecretBox
from betteruptime.db.models import User
from betteruptime.db.session import SessionFactory
from betteruptime.services import two_factor

BOX = SecretBox("a-test-secret-key-of-some-length")
NOW = 1_800_000_015.0


async def _user_with_totp(sessions: SessionFactory) -> tuple[int, str]:
    async with sessions() as session:
        user = User(email="alice@example.com", password_hash="x")
        session.add(user)
        await session.commit()
        secret, _ = await two_factor.start_setup(session, user=user, box=BOX)
        code = pyotp.TOTP(secret).at(NOW - 30)
        assert await two_factor.enable(session, user=user, box=BOX, code=code, now=NOW)
        return user.id, secret


async def test_a_code_is_accepted_once_even_by_sessions_that_loaded_the_user_before(
    sessions: SessionFactory,
) -> None:
    user_id, secret = await _user_with_totp(sessions)
    code = pyotp.TOTP(secret).at(NOW)
    async with sessions() as first, sessions() as second:
        users = [await first.get(User, user_id), await second.get(User, user_id)]
        assert users[0] is not None and users[1] is not None

        answers = [
            await two_factor.check_code(first, user=users[0], box=BOX, code=code, now=NOW),
            await two_factor.check_code(second, user=users[1], box=BOX, code=code, now=NOW),
        ]

    assert answers == [True, False]


async def test_a_secret_sealed_under_another_key_matches_no_code(
    sessions: SessionFactory,
) -> None:
    user_id, secret = await _user_with_totp(sessions)
    async with sessions() as session:
        user = await session.get(User, user_id)
        assert user is not None
        other = SecretBox("another-secret-key-entirely!")
        code = pyotp.TOTP(secret).at(NOW)

        assert not await two_factor.check_code(session, user=user, box=other, code=code, now=NOW)
        assert await two_factor.check_code(session, user=user, box=BOX, code=code, now=NOW)
