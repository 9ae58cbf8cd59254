"""Sign-up, sign-in (API tokens, with a TOTP code when two-factor sign-in is on), token
management and password change."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.api.deps import CurrentUser, SecretBoxDep, SessionDep, SettingsDep, valid_id
from betteruptime.api.errors import ApiError, ErrorBody, not_found
from betteruptime.api.routers import two_factor as two_factor_routes
from betteruptime.api.schemas.auth import (
    PasswordChange,
    TokenCreate,
    TokenInfo,
    TokenPublic,
    UserCreate,
    UserMe,
    UserPublic,
)
from betteruptime.api.throttling import client_address, enforce, throttles
from betteruptime.auth.secretbox import SecretBox
from betteruptime.db.models import User
from betteruptime.services import tokens, two_factor, users
from betteruptime.services.users import normalize_email

router = APIRouter(prefix="/auth", tags=["auth"])
TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorBody, "description": "Too many attempts; see Retry-After."}
}


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": ErrorBody, "description": "The email is taken."}, **TOO_MANY},
)
async def signup(data: UserCreate, session: SessionDep, request: Request) -> UserPublic:
    """Create a user. Emails are compared without regard to letter case."""
    enforce(throttles(request).signup_by_address, client_address(request))
    user = await users.create_user(session, email=data.email, password=data.password)
    return UserPublic(id=user.id, email=user.email, created_at=user.created_at)


@router.get("/me")
async def me(user: CurrentUser) -> UserMe:
    """The signed-in user, and whether sign-in asks them for a two-factor code."""
    return UserMe(
        id=user.id, email=user.email, created_at=user.created_at, totp_enabled=user.totp_enabled
    )


@router.post(
    "/token",
    responses={
        401: {
            "model": ErrorBody,
            "description": "Wrong email or password (`invalid_credentials`); two-factor "
            "sign-in is on and `totp_code` is missing (`totp_required`) or wrong or "
            "already used (`invalid_credentials`).",
        },
        **TOO_MANY,
    },
)
async def create_token(
    data: TokenCreate,
    session: SessionDep,
    settings: SettingsDep,
    box: SecretBoxDep,
    request: Request,
) -> TokenPublic:
    """Log in with email and password (and `totp_code` if two-factor sign-in is on);
    returns an API token valid for BETTERUPTIME_TOKEN_TTL_DAYS days. The token is shown
    only in this response. Attempts, wrong codes included, are limited per address and
    per account (429 with Retry-After)."""
    limits = throttles(request)
    account = _account_key(data.email)
    enforce(limits.login_by_address, client_address(request))
    enforce(limits.login_by_account, account)
    ip = client_address(request)
    user = await users.authenticate(session, email=data.email, password=data.password, ip=ip)
    if user is None:
        raise ApiError(401, "invalid_credentials", "The email or password is incorrect.")
    if user.totp_enabled:
        await _second_factor(session, user=user, box=box, code=data.totp_code, ip=ip)
    limits.login_by_account.reset(account)
    signed_in = {"via": [None, "api"]}
    await users.record_account_event(
        session, user=user, action="auth.sign_in", ip=ip, changes=signed_in, commit=False
    )
    token, row = await tokens.issue_token(
        session, user=user, ttl_days=settings.token_ttl_days, name=data.name
    )
    return TokenPublic(access_token=token, expires_at=row.expires_at)


@router.get("/tokens")
async def list_tokens(session: SessionDep, user: CurrentUser, request: Request) -> list[TokenInfo]:
    """Your unexpired API tokens, newest first; `current` marks the one you used."""
    current = getattr(request.state, "token_id", None)
    rows = await tokens.list_tokens(session, user_id=user.id)
    return [TokenInfo.from_row(row, current=row.id == current) for row in rows]


@router.delete(
    "/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"model": ErrorBody, "description": "No such token of yours."}},
)
async def revoke_token(
    token_id: Annotated[int, Path(description="The token's id.")],
    session: SessionDep,
    user: CurrentUser,
) -> Response:
    """Revoke a token at once (the one used for this request too, if you name it)."""
    revoked = await tokens.revoke_token(
        session, user_id=user.id, token_id=valid_id(token_id, "Token")
    )
    if not revoked:
        raise not_found("Token")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/password",
    responses={401: {"model": ErrorBody, "description": "Wrong current password."}, **TOO_MANY},
)
async def change_password(
    data: PasswordChange,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    request: Request,
) -> TokenPublic:
    """Change your password. Every API token is revoked, this one included; the answer
    carries a new token so this client stays signed in."""
    account = _account_key(user.email)
    enforce(throttles(request).login_by_account, account)
    current = data.current_password
    checked = await users.authenticate(
        session, email=user.email, password=current, record_failure=False
    )
    if checked is None:
        raise ApiError(401, "invalid_credentials", "The current password is incorrect.")
    await users.change_password(session, user=user, new_password=data.new_password)
    token, row = await tokens.issue_token(session, user=user, ttl_days=settings.token_ttl_days)
    return TokenPublic(access_token=token, expires_at=row.expires_at)


async def _second_factor(
    session: AsyncSession, *, user: User, box: SecretBox, code: str | None, ip: str
) -> None:
    """Raise 401 unless `code` is a current, unused TOTP code of the user. The attempt
    was already counted by the caller, so codes cannot be guessed faster than passwords."""
    if not code:
        raise ApiError(
            401,
            "totp_required",
            "This account has two-factor sign-in on: send the 6-digit code from the "
            "authenticator app as totp_code.",
        )
    if not await two_factor.check_code(session, user=user, box=box, code=code):
        await users.record_account_event(
            session,
            user=user,
            action="auth.sign_in_failed",
            ip=ip,
            changes={"reason": [None, "two_factor_code"]},
        )
        raise ApiError(
            401, "invalid_credentials", "The two-factor code is incorrect or was already used."
        )


def _account_key(email: str) -> str:
    try:
        return normalize_email(email)
    except ValueError:
        return email.strip().lower()


# Last, so the API docs list sign-up and sign-in first.
router.include_router(two_factor_routes.router)  # /auth/totp/...
