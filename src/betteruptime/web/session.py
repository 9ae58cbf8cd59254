"""Browser sessions: a signed cookie carrying who is signed in and the CSRF token.

The cookie is `base64(json).base64(hmac-sha256)`, signed with a key derived from
BETTERUPTIME_SECRET_KEY, so any api process with the same key accepts it and nothing is
stored server-side. Every visitor gets one, signed in or not: the sign-in and sign-up
forms need a CSRF token too (otherwise another site could sign a browser into the
attacker's account). The payload is readable by its holder, so it holds nothing secret:
a user id, the CSRF token, a tag of the password hash that makes a password change
end every session opened with the old password, the one-time message ("flash") the
next page shows after a form was handled (secrets masked, as everywhere else), a
sign-in waiting for its two-factor code (whose password was right, until when), and an
OpenID Connect sign-in under way (its state, nonce and PKCE verifier: values this browser
is meant to hold, useless to anyone without its cookie, and valid for one callback).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass, replace

COOKIE_NAME = "betteruptime_session"
# Domain separation: the same secret key may sign other things; a session signature
# must never be valid for them, nor theirs for a session.
_KEY_CONTEXT = b"betteruptime.web.session.v1"


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class OidcFlow:
    """A sign-in sent to the OpenID Connect provider, until its callback (Unix seconds)."""

    state: str
    nonce: str
    code_verifier: str
    next: str
    until: int

    @classmethod
    def from_json(cls, data: object) -> OidcFlow | None:
        if not isinstance(data, dict):
            return None
        return cls(
            state=str(data["state"]),
            nonce=str(data["nonce"]),
            code_verifier=str(data["code_verifier"]),
            next=str(data["next"]),
            until=int(data["until"]),
        )


@dataclass(frozen=True, slots=True)
class WebSession:
    csrf: str
    user_id: int | None = None
    password_tag: str = ""
    issued_at: int = 0
    # "ok:<text>" or "error:<text>"; empty when there is nothing to say.
    flash: str = ""
    # A sign-in whose password was right, waiting for the two-factor code until
    # `pending_until` (Unix seconds); `password_tag` is then the pending user's.
    pending_user_id: int | None = None
    pending_until: int = 0
    oidc: OidcFlow | None = None
    # The organization the dashboard shows, chosen in the top bar's switcher; None: the
    # user's personal one. Checked against their memberships on every page.
    organization_id: int | None = None

    @classmethod
    def anonymous(cls) -> WebSession:
        return cls(csrf=new_csrf_token(), issued_at=int(time.time()))

    def signed_in(self, *, user_id: int, password_tag: str) -> WebSession:
        """A new session for the user, with a new CSRF token: nothing a visitor held
        before signing in (a planted cookie, a leaked form) stays valid after."""
        return replace(
            self,
            csrf=new_csrf_token(),
            user_id=user_id,
            password_tag=password_tag,
            issued_at=int(time.time()),
            pending_user_id=None,
            pending_until=0,
            oidc=None,
            organization_id=None,
        )

    def awaiting_code(self, *, user_id: int, password_tag: str, until: int) -> WebSession:
        """Signed out, with a sign-in for the user pending until a code comes."""
        return replace(
            self,
            user_id=None,
            password_tag=password_tag,
            pending_user_id=user_id,
            pending_until=until,
            oidc=None,
        )

    def pending(self, *, now: float) -> int | None:
        """The user id of a sign-in still waiting for its code at `now`; None if none."""
        return self.pending_user_id if now < self.pending_until else None


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _optional_int(value: object) -> int | None:
    return None if value is None else int(str(value))


class SessionSigner:
    """Turns sessions into cookie values and back; refuses anything altered or expired."""

    def __init__(self, secret_key: str, *, max_age_seconds: int) -> None:
        self._key = hmac.new(secret_key.encode(), _KEY_CONTEXT, hashlib.sha256).digest()
        self.max_age_seconds = max_age_seconds

    def _sign(self, payload: str) -> str:
        return _b64encode(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())

    def password_tag(self, password_hash: str) -> str:
        """A short keyed digest of the password hash: changes whenever the password does."""
        digest = hmac.new(self._key, password_hash.encode(), hashlib.sha256).digest()
        return _b64encode(digest[:12])

    def dumps(self, session: WebSession) -> str:
        payload = _b64encode(json.dumps(asdict(session), separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}"

    def loads(self, value: str | None, *, now: float | None = None) -> WebSession | None:
        """The session in a cookie value; None if missing, forged, malformed or expired."""
        if not value or not value.isascii() or value.count(".") != 1:
            return None
        payload, signature = value.split(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            data = json.loads(_b64decode(payload))
            session = WebSession(
                csrf=str(data["csrf"]),
                user_id=None if data["user_id"] is None else int(data["user_id"]),
                password_tag=str(data["password_tag"]),
                issued_at=int(data["issued_at"]),
                flash=str(data.get("flash") or ""),
                pending_user_id=_optional_int(data.get("pending_user_id")),
                pending_until=int(data.get("pending_until") or 0),
                oidc=OidcFlow.from_json(data.get("oidc")),
                organization_id=_optional_int(data.get("organization_id")),
            )
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        if (now if now is not None else time.time()) - session.issued_at > self.max_age_seconds:
            return None
        return session
