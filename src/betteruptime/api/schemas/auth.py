"""Sign-up and token bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from betteruptime.api.schemas.two_factor import MAX_CODE_LENGTH
from betteruptime.db.models import ApiToken
from betteruptime.services.tokens import MAX_NAME_LENGTH
from betteruptime.services.users import (
    MAX_EMAIL_LENGTH,
    MAX_PASSWORD_LENGTH,
    check_password,
    normalize_email,
)

_STRICT = ConfigDict(extra="forbid", strict=True)


class UserCreate(BaseModel):
    model_config = _STRICT

    email: Annotated[
        str,
        AfterValidator(normalize_email),
        Field(description="Stored lowercased; unique regardless of letter case."),
    ]
    password: Annotated[
        str,
        AfterValidator(check_password),
        Field(description="8 to 1024 characters.", json_schema_extra={"format": "password"}),
    ]


class UserPublic(BaseModel):
    id: int
    email: str
    created_at: datetime


class UserMe(UserPublic):
    """The signed-in user, with their sign-in settings."""

    totp_enabled: bool = Field(description="Whether sign-in asks for a two-factor code.")


class TokenCreate(BaseModel):
    model_config = _STRICT

    email: Annotated[str, Field(max_length=MAX_EMAIL_LENGTH)]
    password: Annotated[
        str, Field(max_length=MAX_PASSWORD_LENGTH, json_schema_extra={"format": "password"})
    ]
    name: Annotated[
        str, Field(max_length=MAX_NAME_LENGTH, description="A label to recognise the token by.")
    ] = ""
    totp_code: Annotated[
        str | None,
        Field(
            max_length=MAX_CODE_LENGTH,
            description="The current 6-digit code, for a user with two-factor sign-in on.",
        ),
    ] = None


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


class PasswordChange(BaseModel):
    model_config = _STRICT

    current_password: Annotated[
        str, Field(max_length=MAX_PASSWORD_LENGTH, json_schema_extra={"format": "password"})
    ]
    new_password: Annotated[
        str,
        AfterValidator(check_password),
        Field(description="8 to 1024 characters.", json_schema_extra={"format": "password"}),
    ]
