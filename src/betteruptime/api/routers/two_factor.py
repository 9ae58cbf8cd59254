"""Two-factor sign-in (TOTP): set up, enable, turn off. Under /auth/totp.

Sign-in itself asks for the code at `POST /auth/token` (routers/auth.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from betteruptime.api.deps import CurrentUser, SecretBoxDep, SessionDep
from betteruptime.api.errors import ApiError, ErrorBody
from betteruptime.api.schemas.two_factor import (
    TotpDisable,
    TotpEnable,
    TotpSetupPublic,
    TotpStatus,
)
from betteruptime.api.throttling import enforce, throttles
from betteruptime.services import two_factor

router = APIRouter(prefix="/totp", tags=["auth"])
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "Not possible in the current two-factor state."}
}


def _conflict(error: two_factor.TwoFactorError) -> ApiError:
    codes = {
        two_factor.AlreadyEnabledError: "totp_already_enabled",
        two_factor.NotSetUpError: "totp_not_set_up",
        two_factor.NotEnabledError: "totp_not_enabled",
    }
    return ApiError(409, codes.get(type(error), "totp_conflict"), str(error))


@router.post("/setup", responses=_CONFLICT)
async def setup(session: SessionDep, user: CurrentUser, box: SecretBoxDep) -> TotpSetupPublic:
    """Make a new secret for an authenticator app; it is pending until enabled with a
    code. The secret is shown only in this answer; calling again replaces a pending one."""
    try:
        secret, uri = await two_factor.start_setup(session, user=user, box=box)
    except two_factor.TwoFactorError as error:
        raise _conflict(error) from None
    return TotpSetupPublic(secret=secret, otpauth_uri=uri)


@router.post(
    "/enable",
    responses={
        403: {"model": ErrorBody, "description": "The code does not match (`invalid_code`)."},
        **_CONFLICT,
    },
)
async def enable(
    data: TotpEnable, session: SessionDep, user: CurrentUser, box: SecretBoxDep
) -> TotpStatus:
    """Turn two-factor sign-in on with a current code of the pending secret; from then
    on `POST /auth/token` needs `totp_code`."""
    try:
        enabled = await two_factor.enable(session, user=user, box=box, code=data.code)
    except two_factor.TwoFactorError as error:
        raise _conflict(error) from None
    if not enabled:
        # Well formed, but not proof of holding the secret: refused, as wrong credentials.
        raise ApiError(
            403,
            "invalid_code",
            "The code does not match the secret being set up: enter the 6-digit code "
            "the app shows now (and check the device's clock is right).",
        )
    return TotpStatus(totp_enabled=True)


@router.post(
    "/disable",
    responses={
        401: {"model": ErrorBody, "description": "Wrong password or code."},
        429: {"model": ErrorBody, "description": "Too many attempts; see Retry-After."},
        **_CONFLICT,
    },
)
async def disable(
    data: TotpDisable, session: SessionDep, user: CurrentUser, box: SecretBoxDep, request: Request
) -> TotpStatus:
    """Turn two-factor sign-in off; needs the password and a current code, so a stolen
    token alone cannot. Attempts count toward the account's sign-in limit."""
    enforce(throttles(request).login_by_account, user.email)
    try:
        disabled = await two_factor.disable(
            session, user=user, box=box, password=data.password, code=data.code
        )
    except two_factor.TwoFactorError as error:
        raise _conflict(error) from None
    if not disabled:
        raise ApiError(401, "invalid_credentials", "The password or the code is incorrect.")
    return TotpStatus(totp_enabled=False)
