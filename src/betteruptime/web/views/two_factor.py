"""The account page: two-factor sign-in set up, confirmed with a code, turned off.

The same service as `/api/v1/auth/totp/*`. The secret is shown only on the setup page
(answered to a POST, never cached), again only while it is pending and a code was
mistyped; turning it off needs the password and a code, counted like sign-in attempts.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from betteruptime.api.deps import SecretBoxDep, SessionDep
from betteruptime.api.errors import ApiError
from betteruptime.api.throttling import enforce, throttles
from betteruptime.auth import totp
from betteruptime.db.models import User
from betteruptime.services import two_factor
from betteruptime.web.deps import CsrfChecked, PageUser, flash, redirect, render
from betteruptime.web.forms import GENERAL, Errors, text
from betteruptime.web.qr import qr_data_uri

router = APIRouter(include_in_schema=False)
WRONG_CODE = "The code does not match: enter the code the app shows now (is its clock right?)."
REQUIRED = "Enter the 6-digit code from your authenticator app."


def _account(request: Request, *, errors: Errors, status_code: int = 200) -> Response:
    return render(request, "account.html", {"errors": errors}, status_code=status_code)


def _setup_page(
    request: Request, user: User, secret: str, *, errors: Errors, status_code: int = 200
) -> Response:
    uri = totp.provisioning_uri(secret, email=user.email)
    context = {"secret": secret, "qr": qr_data_uri(uri), "errors": errors}
    return render(request, "account_totp_setup.html", context, status_code=status_code)


@router.get("/account")
async def account_page(request: Request, user: PageUser) -> Response:
    return _account(request, errors={})


@router.post("/account/totp/setup", dependencies=[CsrfChecked])
async def setup(request: Request, db: SessionDep, user: PageUser, box: SecretBoxDep) -> Response:
    try:
        secret, _ = await two_factor.start_setup(db, user=user, box=box)
    except two_factor.TwoFactorError as error:
        flash(request, "error", str(error))
        return redirect(request, "/account")
    return _setup_page(request, user, secret, errors={})


@router.post("/account/totp/enable", dependencies=[CsrfChecked])
async def enable(request: Request, db: SessionDep, user: PageUser, box: SecretBoxDep) -> Response:
    code = text(await request.form(), "code")
    secret = two_factor.pending_secret(user=user, box=box)
    if secret is None:
        flash(request, "error", "Start the setup again: there is no code being set up.")
        return redirect(request, "/account")
    if not code.strip():
        return _setup_page(request, user, secret, errors={"code": REQUIRED}, status_code=422)
    if not await two_factor.enable(db, user=user, box=box, code=code):
        return _setup_page(request, user, secret, errors={"code": WRONG_CODE}, status_code=400)
    flash(request, "ok", "Two-factor sign-in is on: signing in now asks for a code.")
    return redirect(request, "/account")


@router.post("/account/totp/disable", dependencies=[CsrfChecked])
async def disable(request: Request, db: SessionDep, user: PageUser, box: SecretBoxDep) -> Response:
    form = await request.form()
    password, code = text(form, "password"), text(form, "code")
    errors: Errors = {}
    if not password:
        errors["password"] = "Enter your password."
    if not code.strip():
        errors["code"] = REQUIRED
    if errors:
        return _account(request, errors=errors, status_code=422)
    try:
        enforce(throttles(request).login_by_account, user.email)
        disabled = await two_factor.disable(db, user=user, box=box, password=password, code=code)
    except ApiError as error:
        return _account(request, errors={GENERAL: error.message}, status_code=429)
    except two_factor.TwoFactorError as error:
        flash(request, "error", str(error))
        return redirect(request, "/account")
    if not disabled:
        wrong = {GENERAL: "The password or the code is incorrect."}
        return _account(request, errors=wrong, status_code=401)
    flash(request, "ok", "Two-factor sign-in is off: signing in needs only your password.")
    return redirect(request, "/account")
