"""Sign up, sign in (with a second step for a two-factor code) and sign out in the browser.

The same rules as the API: users.create_user validates email and password with the
API's words, and the same per-address and per-account limits apply (shared throttles),
to passwords and two-factor codes alike. A sign-in whose password was right but that
still needs its code waits in the signed session cookie for PENDING_SECONDS.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import replace
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.api.deps import SecretBoxDep, SessionDep
from betteruptime.api.errors import ApiError
from betteruptime.api.throttling import client_address, enforce, throttles
from betteruptime.db.models import User
from betteruptime.services import two_factor, users
from betteruptime.web.deps import (
    CsrfChecked,
    current_session,
    flash,
    redirect,
    render,
    safe_next,
    set_session,
    web_state,
)
from betteruptime.web.session import WebSession

# Time to fetch the phone and type the code; long enough, short enough that a sign-in
# left open on a shared computer does not wait for the next person.
PENDING_SECONDS = 300
EXPIRED = "The sign-in took too long or was ended: enter your email and password again."
WRONG_CODE = "The code is incorrect or was already used: enter the code the app shows now."

router = APIRouter(include_in_schema=False)


def _sign_in(request: Request, user: User) -> None:
    signer = web_state(request).signer
    set_session(
        request,
        current_session(request).signed_in(
            user_id=user.id, password_tag=signer.password_tag(user.password_hash)
        ),
    )


async def _form_text(request: Request, name: str) -> str:
    value = (await request.form()).get(name)
    return value if isinstance(value, str) else ""


@router.get("/login")
async def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": safe_next(next), "email": ""})


@router.post("/login", dependencies=[CsrfChecked])
async def login(request: Request, db: SessionDep) -> Response:
    email = await _form_text(request, "email")
    password = await _form_text(request, "password")
    target = safe_next(await _form_text(request, "next"))
    context = {"next": target, "email": email}
    limits = throttles(request)
    account = email.strip().lower()
    try:
        enforce(limits.login_by_address, client_address(request))
        enforce(limits.login_by_account, account)
    except ApiError as error:
        return render(request, "login.html", {**context, "error": error.message}, status_code=429)
    ip = client_address(request)
    user = await users.authenticate(db, email=email, password=password, ip=ip)
    if user is None:
        wrong = "The email or password is incorrect."
        return render(request, "login.html", {**context, "error": wrong}, status_code=401)
    if not user.totp_enabled:
        limits.login_by_account.reset(account)
        await record_sign_in(request, db, user, via="password")
    return signed_in_or_code_step(request, user, target)


async def record_sign_in(
    request: Request, db: AsyncSession, user: User, *, via: str, failed: bool = False
) -> None:
    """Write the dashboard sign-in (or, `failed`, the refused second step) in the user's
    audit log."""
    action = "auth.sign_in_failed" if failed else "auth.sign_in"
    key = "reason" if failed else "via"
    await users.record_account_event(
        db, user=user, action=action, ip=client_address(request), changes={key: [None, via]}
    )


def signed_in_or_code_step(request: Request, user: User, target: str) -> Response:
    """After a first factor (a password, a sign-in provider): signed in and on to `target`,
    or, for a user with two-factor sign-in, on to the code step with the sign-in pending."""
    if user.totp_enabled:
        _await_code(request, user)
        return redirect(request, "/login/totp?next=" + quote(target, safe="/"))
    _sign_in(request, user)
    return redirect(request, target)


def _await_code(request: Request, user: User) -> None:
    signer = web_state(request).signer
    set_session(
        request,
        current_session(request).awaiting_code(
            user_id=user.id,
            password_tag=signer.password_tag(user.password_hash),
            until=int(time.time()) + PENDING_SECONDS,
        ),
    )


async def _pending_user(request: Request, db: SessionDep) -> User | None:
    """The user of the sign-in waiting for its code: None once it expired, or if the
    password changed or two-factor sign-in was turned off since."""
    session = current_session(request)
    user_id = session.pending(now=time.time())
    user = None if user_id is None else await db.get(User, user_id)
    if user is None or not user.totp_enabled:
        return None
    tag = web_state(request).signer.password_tag(user.password_hash)
    return user if hmac.compare_digest(tag, session.password_tag) else None


def _expired(request: Request) -> Response:
    session = current_session(request)
    set_session(request, replace(session, pending_user_id=None, pending_until=0))
    flash(request, "error", EXPIRED)
    return redirect(request, "/login")


@router.get("/login/totp")
async def login_code_page(request: Request, db: SessionDep, next: str = "/") -> Response:
    if await _pending_user(request, db) is None:
        return _expired(request)
    return render(request, "login_totp.html", {"next": safe_next(next), "errors": {}})


@router.post("/login/totp", dependencies=[CsrfChecked])
async def login_code(request: Request, db: SessionDep, box: SecretBoxDep) -> Response:
    code = await _form_text(request, "code")
    target = safe_next(await _form_text(request, "next"))
    user = await _pending_user(request, db)
    if user is None:
        return _expired(request)

    def again(message: str, status_code: int) -> Response:
        context = {"next": target, "errors": {"code": message}}
        return render(request, "login_totp.html", context, status_code=status_code)

    if not code.strip():
        return again("Enter the 6-digit code from your authenticator app.", 422)
    limits = throttles(request)
    try:
        enforce(limits.login_by_address, client_address(request))
        enforce(limits.login_by_account, user.email)
    except ApiError as error:
        return again(error.message, 429)
    if not await two_factor.check_code(db, user=user, box=box, code=code):
        await record_sign_in(request, db, user, via="two_factor_code", failed=True)
        return again(WRONG_CODE, 401)
    limits.login_by_account.reset(user.email)
    await record_sign_in(request, db, user, via="two_factor_code")
    _sign_in(request, user)
    return redirect(request, target)


@router.get("/signup")
async def signup_page(request: Request, next: str = "/") -> Response:
    return render(request, "signup.html", {"email": "", "errors": {}, "next": safe_next(next)})


@router.post("/signup", dependencies=[CsrfChecked])
async def signup(request: Request, db: SessionDep) -> Response:
    email = await _form_text(request, "email")
    password = await _form_text(request, "password")
    target = safe_next(await _form_text(request, "next"))  # an invitation's page, say
    errors: dict[str, str] = {}
    status_code = 422
    try:
        enforce(throttles(request).signup_by_address, client_address(request))
        user = await users.create_user(db, email=email, password=password)
    except ApiError as error:
        errors["form"], status_code = error.message, 429
    except users.UserInputError as error:
        errors[error.field] = str(error)
    except users.EmailTakenError:
        errors["email"] = "A user with this email already exists. Sign in instead?"
        status_code = 409
    if errors:
        context = {"email": email, "errors": errors, "next": target}
        return render(request, "signup.html", context, status_code=status_code)
    _sign_in(request, user)
    return redirect(request, target)


@router.post("/logout", dependencies=[CsrfChecked])
async def logout(request: Request) -> Response:
    set_session(request, WebSession.anonymous())
    return redirect(request, "/login")
