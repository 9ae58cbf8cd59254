"""Two-factor sign-in (TOTP) bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field

from betteruptime.api.schemas.credentials import Password, TotpCode
from betteruptime.schemas.base import RequestModel


class TotpSetupPublic(BaseModel):
    """Shown once, at setup: add it to an authenticator app, then enable with a code."""

    secret: str = Field(description="The base32 secret, for typing into the app by hand.")
    otpauth_uri: str = Field(description="The same as an otpauth:// URI (what a QR code holds).")


class TotpEnable(RequestModel):
    code: TotpCode


class TotpDisable(RequestModel):
    password: Password
    code: TotpCode


class TotpStatus(BaseModel):
    totp_enabled: bool
