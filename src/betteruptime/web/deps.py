"""What the dashboard's routes share: the browser session, the signed-in user, the CSRF
check and the one way a page or a redirect leaves (which also stores the session). The
organization a page shows and the role there are in web/access.py."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, replace
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from betteruptime.api.deps import MAX_ID, SIGNED_IN, SessionDep, get_base_url
from betteruptime.api.inputs import nul_fields
from betteruptime.auth.oidc import OidcClient
from betteruptime.db.models import User
from betteruptime.web.session import COOKIE_NAME, SessionSigner, WebSession

T = TypeVar("T")

# Only this site's own files run or style a page: no inline script or style, no eval, so
# a string that slipped past escaping still could not execute. Pages post forms only
# here, are never framed (clickjacking on the pause and delete buttons) and fetch only
# from here (the charts' data, htmx's polling).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# Pages show one user's data: not to be cached, framed by another site or sniffed into
# another content type.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class LoginRequired(Exception):
    """The page needs a signed-in user; answered with a redirect to /login."""


class CsrfRejected(Exception):
    """A form came without the session's CSRF token; answered with a 403 page."""


class NotFound(Exception):
    """The object a path names is missing or someone else's (they look alike, so ids do
    not tell which objects exist): answered with the 404 page, or for a data route
    (`as_json`) with a JSON 404."""

    def __init__(self, what: str, *, as_json: bool = False) -> None:
        super().__init__(what)
        self.what = what
        self.as_json = as_json


@dataclass(slots=True)
class WebState:
    signer: SessionSigner
    templates: Jinja2Templates
    # Vendor files (htmx, uPlot) not installed: pages say so instead of breaking silently.
    missing_assets: list[str]
    # Sign-in with an OpenID Connect provider; None (and no button) unless configured.
    oidc: OidcClient | None = None


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def current_session(request: Request) -> WebSession:
    """The visitor's session from the cookie, or a new anonymous one (stored on answer)."""
    found: WebSession | None = getattr(request.state, "web_session", None)
    if found is None:
        found = web_state(request).signer.loads(request.cookies.get(COOKIE_NAME))
        if found is None:
            found = WebSession.anonymous()
            request.state.web_session_changed = True
        request.state.web_session = found
    return found


def set_session(request: Request, session: WebSession) -> None:
    request.state.web_session = session
    request.state.web_session_changed = True


@dataclass(frozen=True, slots=True)
class Flash:
    """A one-time message shown at the top of the next page: `ok` or `error`."""

    kind: str
    text: str


MAX_FLASH_CHARS = 1200  # the cookie stays well under browsers' 4 KB


def flash(request: Request, kind: str, text: str) -> None:
    """Say `text` on the next page rendered for this browser (after a redirect)."""
    session = current_session(request)
    set_session(request, replace(session, flash=f"{kind}:{text[:MAX_FLASH_CHARS]}"))


def take_flash(request: Request) -> Flash | None:
    """The pending message, removed from the session so it is shown once."""
    session = current_session(request)
    if not session.flash:
        return None
    set_session(request, replace(session, flash=""))
    kind, _, text = session.flash.partition(":")
    return Flash(kind="ok" if kind == "ok" else "error", text=text)


def finish(request: Request, response: Response) -> Response:
    """Add the page headers, and the session cookie when the session is new or changed."""
    response.headers.update(PAGE_HEADERS)
    if getattr(request.state, "web_session_changed", False):
        signer = web_state(request).signer
        response.set_cookie(
            COOKIE_NAME,
            signer.dumps(current_session(request)),
            max_age=signer.max_age_seconds,
            path="/",
            httponly=True,
            samesite="lax",
            # The scheme as uvicorn sees it: https directly, or X-Forwarded-Proto from a
            # proxy it trusts (FORWARDED_ALLOW_IPS, 127.0.0.1 by default).
            secure=request.url.scheme == "https",
        )
    return response


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    state = web_state(request)
    full = {
        "csrf_token": current_session(request).csrf,
        "missing_assets": state.missing_assets,
        "user": getattr(request.state, "web_user", None),
        # The organization the page shows and the caller's role there (the top bar's
        # switcher, and which write controls to show); None on pages outside one.
        "org": getattr(request.state, "web_context", None),
        "orgs": getattr(request.state, "web_organizations", []),
        "flash": take_flash(request),
        # The login page's "Sign in with <name>" button; empty when OIDC is not set up.
        "sign_in_provider": state.oidc.name if state.oidc else "",
        # BETTERUPTIME_PUBLIC_URL, for addresses shown on pages (never the Host header).
        "public_url": get_base_url(request),
        **(context or {}),
    }
    response = state.templates.TemplateResponse(request, template, full, status_code=status_code)
    return finish(request, response)


def redirect(request: Request, url: str) -> Response:
    """303 See Other: after a form, the browser follows with a GET."""
    return finish(request, RedirectResponse(url, status_code=303))


def path_id(text: str) -> int | None:
    """An id from a URL path segment; None (answered as not found) if it cannot be one."""
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_ID else None


def safe_next(url: str | None) -> str:
    """Where to go after signing in: a path on this site only, never another host."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    return url


async def page_user(request: Request, db: SessionDep) -> User:
    """The signed-in user, or LoginRequired. A session whose user is gone, or whose
    password changed since it was opened, is ended here."""
    session = current_session(request)
    if session.user_id is None:
        raise LoginRequired
    user = await db.get(User, session.user_id)
    signer = web_state(request).signer
    if user is None or not hmac.compare_digest(
        signer.password_tag(user.password_hash), session.password_tag
    ):
        set_session(request, WebSession.anonymous())
        raise LoginRequired
    request.state.web_user = user
    return user


page_user.access_action = SIGNED_IN  # type: ignore[attr-defined]
PageUser = Annotated[User, Depends(page_user)]


def not_found_page(request: Request, what: str) -> Response:
    return render(request, "404.html", {"what": what}, status_code=404)


class FormHasNul(Exception):
    """A form field holds a NUL, which no database column can store; answered with 422."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = fields


async def check_csrf(request: Request) -> None:
    """The form's `csrf_token` (or an X-CSRF-Token header) must be the session's token.
    Every form the dashboard takes passes here, so here NUL is refused too (FormHasNul)."""
    form = await request.form()
    sent = form.get("csrf_token") or request.headers.get("x-csrf-token") or ""
    expected = current_session(request).csrf
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRejected
    fields = nul_fields([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
    if fields:
        raise FormHasNul(fields)


CsrfChecked = Depends(check_csrf)


def login_redirect(request: Request) -> Response:
    """To /login, coming back here afterwards. An htmx request (the overview's polling)
    gets HX-Redirect, so the whole page goes there rather than the fragment."""
    target = "/login"
    if request.method == "GET" and request.url.path != "/":
        target += "?next=" + quote(request.url.path, safe="/")
    if request.headers.get("HX-Request"):
        return finish(request, Response(status_code=200, headers={"HX-Redirect": target}))
    return redirect(request, target)
