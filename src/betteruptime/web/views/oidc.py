"""Sign in with an OpenID Connect provider (BETTERUPTIME_OIDC_*), from the login page.

`/login/oidc` keeps a new state, nonce and PKCE verifier in the signed session and sends
the browser to the provider; `/login/oidc/callback` accepts only the state it kept (once,
within FLOW_SECONDS), has auth/oidc.py exchange the code and check the ID token, and then
signs in exactly like the password form, the two-factor code step included. A link, not
a form: the page's CSP allows forms to post only here, and the provider is elsewhere.
Anything that goes wrong lands on the login page with a message, never a 500.
"""

from __future__ import annotations

import hmac
import re
import time
from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import Response

from betteruptime.api.deps import SessionDep, SettingsDep, get_base_url
from betteruptime.auth.oidc import OidcClient, OidcError
from betteruptime.logs import get_logger, kv
from betteruptime.services import identities
from betteruptime.web.deps import (
    current_session,
    redirect,
    render,
    safe_next,
    set_session,
    web_state,
)
from betteruptime.web.session import OidcFlow
from betteruptime.web.views.accounts import record_sign_in, signed_in_or_code_step

# Time to sign in at the provider (which may ask for its own password and second factor).
FLOW_SECONDS = 600
NOT_CONFIGURED = "Sign-in with a provider is not set up on this server."
STALE = "This sign-in was not started here or took too long. Start it again."
DENIED = "The sign-in provider did not sign you in. Try again, or sign in with your password."

_ERROR_CODE = re.compile(r"[a-z_]{1,40}")

router = APIRouter(include_in_schema=False)
# Register BETTERUPTIME_PUBLIC_URL + this path as the redirect URI at the provider.
CALLBACK_PATH = "/login/oidc/callback"
log = get_logger("web.oidc")


def _client(request: Request) -> OidcClient | None:
    return web_state(request).oidc


def _refused(request: Request, message: str, *, status_code: int = 400) -> Response:
    context = {"next": "/", "email": "", "error": message}
    return render(request, "login.html", context, status_code=status_code)


def _error_code(text: str) -> str:
    # The provider's error code (RFC 6749 §4.1.2.1), as sent by the browser: logged only
    # when it looks like one, so a crafted URL cannot write lines into the log.
    return text if _ERROR_CODE.fullmatch(text) else "other"


def _callback_url(request: Request) -> str:
    return f"{get_base_url(request)}{CALLBACK_PATH}"


@router.get("/login/oidc")
async def start(request: Request, next: str = "/") -> Response:
    client = _client(request)
    if client is None:
        return _refused(request, NOT_CONFIGURED, status_code=404)
    try:
        auth = await client.start(_callback_url(request))
    except OidcError as error:
        return _refused(request, str(error), status_code=502)
    flow = OidcFlow(
        state=auth.state,
        nonce=auth.nonce,
        code_verifier=auth.code_verifier,
        next=safe_next(next),
        until=int(time.time()) + FLOW_SECONDS,
    )
    set_session(request, replace(current_session(request), oidc=flow))
    return redirect(request, auth.url)


@router.get(CALLBACK_PATH, name="oidc_callback")
async def callback(request: Request, db: SessionDep, settings: SettingsDep) -> Response:
    client = _client(request)
    if client is None:
        return _refused(request, NOT_CONFIGURED, status_code=404)
    session = current_session(request)
    flow = session.oidc
    # One callback per flow, whatever its outcome: a replayed URL finds nothing.
    set_session(request, replace(session, oidc=None))
    params = request.query_params
    state, code = params.get("state", ""), params.get("code", "")
    if (
        flow is None
        or time.time() > flow.until
        or not hmac.compare_digest(state.encode(), flow.state.encode())
    ):
        log.info(kv(event="oidc_state_mismatch", had_flow=flow is not None))
        return _refused(request, STALE)
    if params.get("error") or not code:
        log.info(kv(event="oidc_denied", error=_error_code(params.get("error", "no_code"))))
        return _refused(request, DENIED)
    try:
        identity = await client.finish(
            code=code,
            redirect_uri=_callback_url(request),
            code_verifier=flow.code_verifier,
            nonce=flow.nonce,
        )
        user = await identities.user_for_identity(
            db, identity=identity, allow_signup=settings.oidc_allow_signup
        )
    except OidcError as error:
        return _refused(request, str(error), status_code=502 if error.unavailable else 400)
    except identities.IdentityRefused as error:
        log.info(kv(event="oidc_identity_refused", reason=error.reason))
        return _refused(request, str(error))
    log.info(kv(event="oidc_sign_in", user_id=user.id))
    if not user.totp_enabled:
        await record_sign_in(request, db, user, via="oidc")
    return signed_in_or_code_step(request, user, flow.next)
