"""Dependencies shared by the routers, as `Annotated` aliases in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.convertors import Convertor, register_url_convertor

from betteruptime.alerting.sender import Sender
from betteruptime.api.errors import ApiError, not_found
from betteruptime.auth.secretbox import SecretBox, secret_box
from betteruptime.db.models import User
from betteruptime.db.session import SessionFactory
from betteruptime.mail.mailer import Mailer
from betteruptime.services import tokens as token_service
from betteruptime.settings import Settings

# The access rule of routes about the caller's own account (profile, sign-in tokens,
# two-factor, their list of organizations): any signed-in user, whatever their roles.
# Carried by the user dependencies as `access_action` (see api/access.py).
SIGNED_IN = "signed_in"

# Ids are 32-bit on every database: a larger one cannot exist, and must read as
# "not found" rather than overflow in the driver.
MAX_ID = 2**31 - 1


class _IdConvertor(Convertor[int]):
    """`{name:id}` in a path: a segment written as a whole number, sign included (so -1
    reads as a missing object); anything else is not an id, so `/monitors/bulk` is a
    resource of its own, not the monitor "bulk"."""

    regex = "-?[0-9]+"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", _IdConvertor())


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, closed (and rolled back if uncommitted) at the end."""
    sessions: SessionFactory = request.app.state.sessions
    async with sessions() as session:
        yield session


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_sender(request: Request) -> Sender:
    sender: Sender = request.app.state.sender
    return sender


def get_mailer(request: Request) -> Mailer | None:
    """The product's own mail, or None: BETTERUPTIME_SMTP_URL is unset, nothing is sent
    (answer with the link instead)."""
    mailer: Mailer | None = request.app.state.mailer
    return mailer


def get_base_url(request: Request) -> str:
    """Where people reach this server (BETTERUPTIME_PUBLIC_URL), for the absolute URLs
    it hands out. Never the request's Host header: any client can forge that one."""
    return get_settings(request).public_base_url()


def get_secret_box(request: Request) -> SecretBox:
    """What seals and opens two-factor secrets, keyed by BETTERUPTIME_SECRET_KEY."""
    return secret_box(get_settings(request).resolved_secret_key())


SessionDep = Annotated[AsyncSession, Depends(get_session)]
SecretBoxDep = Annotated[SecretBox, Depends(get_secret_box)]
BaseUrl = Annotated[str, Depends(get_base_url)]
SenderDep = Annotated[Sender, Depends(get_sender)]
MailerDep = Annotated[Mailer | None, Depends(get_mailer)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

_bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `POST /api/v1/auth/token`, sent as "
    "`Authorization: Bearer <token>`.",
)


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


async def get_token_user(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The user a bearer token acts as: a sign-in token or an organization's API token
    (whose scope api/access.py applies). Only for organization-scoped routes."""
    if credentials is None:
        raise _unauthorized("Send an API token as 'Authorization: Bearer <token>'.")
    found = await token_service.authenticate_token(session, token=credentials.credentials)
    if found is None:
        raise _unauthorized("The API token is unknown or has expired.")
    request.state.token_id = found[1].id  # which token this is, for the token list
    request.state.api_token = found[1]  # the organization it is bound to (api/access.py)
    return found[0]


async def get_current_user(
    request: Request, user: Annotated[User, Depends(get_token_user)]
) -> User:
    """The signed-in user, for routes about their own account and organizations: an
    organization's API token is refused (403), as it acts on that organization only."""
    if request.state.api_token.scope is not None:
        raise ApiError(
            403,
            "forbidden",
            "An organization's API token acts only on that organization's monitors, "
            "channels, status pages, maintenance windows and incidents; use a sign-in token.",
        )
    return user


get_token_user.access_action = SIGNED_IN  # type: ignore[attr-defined]
get_current_user.access_action = SIGNED_IN  # type: ignore[attr-defined]


TokenUser = Annotated[User, Depends(get_token_user)]
CurrentUser = Annotated[User, Depends(get_current_user)]


def valid_id(value: int, what: str) -> int:
    """`value` if it can be an id; otherwise the same 404 as for a missing object."""
    if not 1 <= value <= MAX_ID:
        raise not_found(what)
    return value
