"""Sign up, sign in and sign out in the browser.

The same rules as the API: users.create_user validates email and password with the
API's words, and the same per-address and per-account limits apply (shared throttles).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from betteruptime.api.deps import SessionDep
from betteruptime.api.errors import ApiError
from betteruptime.api.throttling import client_address, enforce, throttles
from betteruptime.db.models import User
from betteruptime.services import users
from betteruptime.web.deps import (
    CsrfChecked,
    current_session,
    redirect,
    render,
    safe_next,
    set_session,
    web_state,
)
from betteruptime.web.session import WebSession

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
    user = await users.authenticate(db, email=email, password=password)
    if user is None:
        wrong = "The email or password is incorrect."
        return render(request, "login.html", {**context, "error": wrong}, status_code=401)
    limits.login_by_account.reset(account)
    _sign_in(request, user)
    return redirect(request, target)


@router.get("/signup")
async def signup_page(request: Request) -> Response:
    return render(request, "signup.html", {"email": "", "errors": {}})


@router.post("/signup", dependencies=[CsrfChecked])
async def signup(request: Request, db: SessionDep) -> Response:
    email = await _form_text(request, "email")
    password = await _form_text(request, "password")
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
        context = {"email": email, "errors": errors}
        return render(request, "signup.html", context, status_code=status_code)
    _sign_in(request, user)
    return redirect(request, "/")


@router.post("/logout", dependencies=[CsrfChecked])
async def logout(request: Request) -> Response:
    set_session(request, WebSession.anonymous())
    return redirect(request, "/login")
