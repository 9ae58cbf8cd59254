"""Two-factor sign-in (TOTP) bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from betteruptime.services.users import MAX_PASSWORD_LENGTH

_STRICT = ConfigDict(extra="forbid", strict=True)
# Room for "123 456" and stray spaces; a code itself is 6 digits.
MAX_CODE_LENGTH = 16

TotpCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_CODE_LENGTH,
        description="The 6-digit code the authenticator app shows now.",
        examples=["123456"],
    ),
]


class TotpSetupPublic(BaseModel):
    """Shown once, at setup: add it to an authenticator app, then enable with a code."""

    secret: str = Field(description="The base32 secret, for typing into the app by hand.")
    otpauth_uri: str = Field(description="The same as an otpauth:// URI (what a QR code holds).")


class TotpEnable(BaseModel):
    model_config = _STRICT

    code: TotpCode


class TotpDisable(BaseModel):
    model_config = _STRICT

    password: Annotated[
        str, Field(max_length=MAX_PASSWORD_LENGTH, json_schema_extra={"format": "password"})
    ]
    code: TotpCode


class TotpStatus(BaseModel):
    totp_enabled: bool
