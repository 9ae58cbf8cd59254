"""Sign-up and token bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from betteruptime.api.schemas.credentials import (
    Email,
    NewEmail,
    NewPassword,
    OptionalTotpCode,
    Password,
)
from betteruptime.db.models import ApiToken
from betteruptime.schemas.base import RequestModel
from betteruptime.schemas.text import LINE
from betteruptime.services.tokens import MAX_NAME_LENGTH


class UserCreate(RequestModel):
    email: NewEmail
    password: NewPassword


class UserPublic(BaseModel):
    id: int
    email: str
    created_at: datetime


class UserMe(UserPublic):
    """The signed-in user, with their sign-in settings."""

    totp_enabled: bool = Field(description="Whether sign-in asks for a two-factor code.")


class TokenCreate(RequestModel):
    email: Email
    password: Password
    name: Annotated[
        str,
        Field(max_length=MAX_NAME_LENGTH, description="A label to recognise the token by."),
        LINE,
    ] = ""
    totp_code: OptionalTotpCode = None


class TokenPublic(BaseModel):
    access_token: str = Field(description="Shown only here: only its SHA-256 is stored.")
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class TokenInfo(BaseModel):
    """A token as listed: never the token itself."""

    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    current: bool = Field(description="The token this request was made with.")

    @classmethod
    def from_row(cls, row: ApiToken, *, current: bool) -> TokenInfo:
        return cls(
            id=row.id,
            name=row.name,
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            current=current,
        )


class PasswordChange(RequestModel):
    current_password: Password
    new_password: NewPassword
