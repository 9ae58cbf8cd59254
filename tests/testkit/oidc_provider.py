"""A small, real OpenID Connect provider on loopback, for the sign-in tests.

Discovery, /authorize (approves `user` at once and sends the browser back with a code
and the state, after checking the client, the redirect URI and an S256 PKCE challenge),
/token (checks the client secret, the code, the redirect URI and the PKCE verifier, and
answers an RS256 ID token signed with joserfc, Authlib's JOSE library), /jwks and
/userinfo. Tests bend it to misbehave: `claims` overrides claims of the next ID tokens,
`signing_key` signs them with a key it does not publish, `deny` answers access_denied,
`metadata` overrides fields of the discovery document.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from joserfc import jwt
from joserfc.jwk import RSAKey

from testkit.server import LocalServer

CLIENT_ID = "betteruptime-test"
CLIENT_SECRET = "provider-client-secret-0123456789"


@dataclass
class ProviderUser:
    """Who the provider signs in: `subject` is its stable id, the email may change."""

    subject: str = "user-1"
    email: str = "carol@example.com"
    email_verified: bool = True


@dataclass
class _Grant:
    redirect_uri: str
    challenge: str
    nonce: str
    user: ProviderUser


@dataclass
class TokenRequest:
    """What the relying party sent to /token (for tests that check it sent a verifier)."""

    form: dict[str, str]
    authorization: str


def new_signing_key(kid: str = "test-key-1") -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class _Behaviour:
    user: ProviderUser = field(default_factory=ProviderUser)
    claims: dict[str, Any] = field(default_factory=dict)
    signing_key: RSAKey | None = None
    deny: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)


class OidcProvider(LocalServer):
    def __init__(self, key: RSAKey | None = None) -> None:
        super().__init__()
        self.key = key or new_signing_key()
        self.behaviour = _Behaviour()
        self._grants: dict[str, _Grant] = {}
        self._access_tokens: dict[str, ProviderUser] = {}
        self.token_requests: list[TokenRequest] = []

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def user(self) -> ProviderUser:
        return self.behaviour.user

    def reset(self, user: ProviderUser | None = None) -> None:
        """Behave again, signing in `user` (the default test user if None)."""
        self.behaviour = _Behaviour(user=user or ProviderUser())

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/.well-known/openid-configuration", self._discovery)
        app.router.add_get("/authorize", self._authorize)
        app.router.add_post("/token", self._token)
        app.router.add_get("/jwks", self._jwks)
        app.router.add_get("/userinfo", self._userinfo)

    async def _discovery(self, _: web.Request) -> web.Response:
        base = self.issuer
        return web.json_response(
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "jwks_uri": f"{base}/jwks",
                "userinfo_endpoint": f"{base}/userinfo",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "scopes_supported": ["openid", "email", "profile"],
                **self.behaviour.metadata,
            }
        )

    async def _authorize(self, request: web.Request) -> web.Response:
        query = request.query
        redirect_uri = query.get("redirect_uri", "")
        if (
            query.get("client_id") != CLIENT_ID
            or query.get("response_type") != "code"
            or "openid" not in query.get("scope", "").split()
            or not redirect_uri.startswith("http")
        ):
            return web.Response(status=400, text="bad authorization request")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return web.Response(status=400, text="PKCE (S256) is required")
        back: dict[str, str] = {"state": query.get("state", "")}
        if self.behaviour.deny:
            back["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(24)
            self._grants[code] = _Grant(
                redirect_uri=redirect_uri,
                challenge=query["code_challenge"],
                nonce=query.get("nonce", ""),
                user=self.behaviour.user,
            )
            back["code"] = code
        raise web.HTTPFound(f"{redirect_uri}?{urlencode(back)}")

    def _client_authenticated(self, request: web.Request) -> bool:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        return hmac.compare_digest(request.headers.get("Authorization", ""), expected)

    async def _token(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        self.token_requests.append(
            TokenRequest(form=form, authorization=request.headers.get("Authorization", ""))
        )
        if not self._client_authenticated(request):
            return web.json_response({"error": "invalid_client"}, status=401)
        grant = self._grants.pop(form.get("code", ""), None)  # a code works once
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or form.get("redirect_uri") != grant.redirect_uri
            or s256(form.get("code_verifier", "")) != grant.challenge
        ):
            return web.json_response({"error": "invalid_grant"}, status=400)
        access_token = secrets.token_urlsafe(24)
        self._access_tokens[access_token] = grant.user
        return web.json_response(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(grant.user, nonce=grant.nonce),
            }
        )

    def id_token(self, user: ProviderUser, *, nonce: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": user.subject,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "email": user.email,
            "email_verified": user.email_verified,
            **self.behaviour.claims,
        }
        key = self.behaviour.signing_key or self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    async def _jwks(self, _: web.Request) -> web.Response:
        return web.json_response({"keys": [self.key.as_dict(private=False)]})

    async def _userinfo(self, request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        user = self._access_tokens.get(token)
        if user is None:
            return web.json_response({"error": "invalid_token"}, status=401)
        return web.json_response(
            {"sub": user.subject, "email": user.email, "email_verified": user.email_verified}
        )
