"""Sign-up and API tokens."""

from __future__ import annotations

from fastapi import APIRouter, status

from betteruptime.api.deps import SessionDep, SettingsDep
from betteruptime.api.errors import ApiError, ErrorBody
from betteruptime.api.schemas.auth import TokenCreate, TokenPublic, UserCreate, UserPublic
from betteruptime.services import tokens, users

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": ErrorBody, "description": "The email is taken."}},
)
async def signup(data: UserCreate, session: SessionDep) -> UserPublic:
    """Create a user. Emails are compared without regard to letter case."""
    user = await users.create_user(session, email=data.email, password=data.password)
    return UserPublic(id=user.id, email=user.email, created_at=user.created_at)


@router.post(
    "/token",
    responses={401: {"model": ErrorBody, "description": "Wrong email or password."}},
)
async def create_token(
    data: TokenCreate, session: SessionDep, settings: SettingsDep
) -> TokenPublic:
    """Log in with email and password; returns an API token valid for
    BETTERUPTIME_TOKEN_TTL_DAYS days. The token is shown only in this response."""
    user = await users.authenticate(session, email=data.email, password=data.password)
    if user is None:
        raise ApiError(401, "invalid_credentials", "The email or password is incorrect.")
    token, row = await tokens.issue_token(
        session, user=user, ttl_days=settings.token_ttl_days, name=data.name
    )
    return TokenPublic(access_token=token, expires_at=row.expires_at)
