"""Two-factor sign-in (TOTP) for a user: set up, enable, check a code, turn off.

Setting up makes a pending secret; only a first correct code from the user's app
enables it, so nobody is locked out by a QR code that was never scanned. Every accepted
code moves `totp_last_counter` forward with a conditional UPDATE: two requests racing
with one code cannot both pass, on any number of api processes.
"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.auth import passwords, totp
from betteruptime.auth.secretbox import SecretBox, SecretUnreadableError
from betteruptime.db.models import User
from betteruptime.db.types import utcnow
from betteruptime.logs import get_logger, kv
from betteruptime.services.users import record_account_event

log = get_logger("auth")


class TwoFactorError(Exception):
    """Two-factor sign-in cannot change as asked; the message says why."""


class AlreadyEnabledError(TwoFactorError):
    def __init__(self) -> None:
        super().__init__("Two-factor sign-in is already on; turn it off first to set it up anew.")


class NotSetUpError(TwoFactorError):
    def __init__(self) -> None:
        super().__init__("Set up two-factor sign-in first: there is no pending secret to enable.")


class NotEnabledError(TwoFactorError):
    def __init__(self) -> None:
        super().__init__("Two-factor sign-in is not on.")


async def start_setup(session: AsyncSession, *, user: User, box: SecretBox) -> tuple[str, str]:
    """Make and store a new pending secret (replacing an earlier pending one); returns
    the secret and its otpauth:// URI, to be shown to the user this once."""
    if user.totp_enabled:
        raise AlreadyEnabledError
    secret = totp.new_secret()
    user.totp_secret = box.seal(secret)
    user.totp_enabled_at = None
    user.totp_last_counter = None
    await session.commit()
    return secret, totp.provisioning_uri(secret, email=user.email)


def pending_secret(*, user: User, box: SecretBox) -> str | None:
    """The secret being set up (to show again after a mistyped code); None if none."""
    if user.totp_enabled or user.totp_secret is None:
        return None
    try:
        return box.open(user.totp_secret)
    except SecretUnreadableError:
        return None


async def enable(
    session: AsyncSession, *, user: User, box: SecretBox, code: str, now: float | None = None
) -> bool:
    """Turn two-factor sign-in on if `code` is a current code of the pending secret;
    False (nothing changed) if it is not."""
    if user.totp_enabled:
        raise AlreadyEnabledError
    if user.totp_secret is None:
        raise NotSetUpError
    if not await check_code(session, user=user, box=box, code=code, now=now):
        return False
    user.totp_enabled_at = utcnow()
    await record_account_event(session, user=user, action="auth.two_factor_enabled", commit=False)
    await session.commit()
    log.info(kv(event="totp_enabled", user_id=user.id))
    return True


async def check_code(
    session: AsyncSession, *, user: User, box: SecretBox, code: str, now: float | None = None
) -> bool:
    """True, and the code used up, if `code` is a current code of the user's secret
    that was not accepted before."""
    if user.totp_secret is None:
        return False
    try:
        secret = box.open(user.totp_secret)
    except SecretUnreadableError:
        # The server's secret key changed since setup: no code can match. The operator
        # can turn two-factor sign-in off for the user (betteruptime user reset-totp).
        log.warning(kv(event="totp_secret_unreadable", user_id=user.id))
        return False
    moment = time.time() if now is None else now
    counter = totp.verify(secret, code, now=moment, last_counter=user.totp_last_counter)
    if counter is None:
        return False
    claimed = await session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_counter.is_(None), User.totp_last_counter < counter),
        )
        .values(totp_last_counter=counter)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    if not getattr(claimed, "rowcount", 0):
        return False  # another request used this code (or a later one) first
    user.totp_last_counter = counter
    return True


async def disable(
    session: AsyncSession,
    *,
    user: User,
    box: SecretBox,
    password: str,
    code: str,
    now: float | None = None,
) -> bool:
    """Turn two-factor sign-in off if both the password and a current code are right;
    False (nothing changed) otherwise."""
    if not user.totp_enabled:
        raise NotEnabledError
    password_ok = await asyncio.to_thread(passwords.verify_password, user.password_hash, password)
    # The code is checked (and used up) only with the right password, so a wrong
    # password cannot burn the user's current code.
    if not password_ok or not await check_code(session, user=user, box=box, code=code, now=now):
        return False
    await record_account_event(session, user=user, action="auth.two_factor_disabled", commit=False)
    await reset(session, user=user)
    log.info(kv(event="totp_disabled", user_id=user.id))
    return True


async def reset(session: AsyncSession, *, user: User) -> None:
    """Forget the user's two-factor secret, pending or enabled (also the operator's
    way out for a user who lost their device)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_counter = None
    await session.commit()
