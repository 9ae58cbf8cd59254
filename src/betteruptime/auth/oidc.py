"""OpenID Connect sign-in, the relying party's half, through Authlib.

Authorization code flow with PKCE (S256), `state` and `nonce`. Authlib discovers the
provider's endpoints at `<issuer>/.well-known/openid-configuration`, exchanges the code
(the client secret goes in the token request's Basic auth, nowhere else) and checks the
ID token: its signature against the provider's JWKS, and here explicitly its issuer,
audience (this client), expiry and nonce. The state of one sign-in (state, nonce, PKCE
verifier) is handed to the caller to keep, in our own signed session cookie, rather than
in Authlib's Starlette session, so there is one cookie scheme.

Every failure, whether the provider is down, says no, or sends a token that does not check
out, is an OidcError whose message the sign-in page can show as it is: it never
carries a token, a code or the secret.
"""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass
from typing import Any

import authlib.deprecate  # noqa: F401  (imported for its side effect, see below)
import httpx
from authlib.common.errors import AuthlibBaseError
from joserfc.errors import JoseError

# Authlib 1.9 warns on import that it would rather talk through `httpx2`; httpx works, and
# the warning would open every role's log (the api imports this module at start). Its
# deprecate module, imported first, installs an "always" filter; ours goes in front.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.starlette_client import OAuth

from betteruptime.logs import get_logger, kv
from betteruptime.settings import Settings

log = get_logger("auth.oidc")
DISCOVERY_PATH = "/.well-known/openid-configuration"
# Clock difference tolerated between us and the provider on exp/iat, seconds.
LEEWAY_SECONDS = 60


def _network_errors() -> tuple[type[Exception], ...]:
    # Authlib talks through httpx2 when that is installed, else through httpx: a provider
    # that cannot be reached raises the one or the other.
    try:
        successor = importlib.import_module("httpx2")
    except ImportError:
        return (httpx.HTTPError,)
    return (httpx.HTTPError, successor.HTTPError)


NETWORK_ERRORS = _network_errors()
# ValueError: not JSON; TypeError: JSON, but not an object.
DISCOVERY_ERRORS: tuple[type[Exception], ...] = (*NETWORK_ERRORS, ValueError, TypeError)
# What the flow needs from the discovery document besides the issuer.
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")
TIMEOUT_SECONDS = 10.0
UNREACHABLE = "The sign-in provider could not be reached. Try again in a moment."
REFUSED = "The sign-in provider did not confirm who you are. Try signing in again."


class OidcError(Exception):
    """A sign-in that cannot go on; the message is safe to show. `unavailable` says the
    provider could not be reached (worth retrying), not that it said no."""

    def __init__(self, message: str, *, unavailable: bool = False) -> None:
        super().__init__(message)
        self.unavailable = unavailable


@dataclass(frozen=True, slots=True)
class AuthRequest:
    """Where to send the browser, and what the callback must be checked against."""

    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the provider says signed in: checked claims of the ID token."""

    issuer: str
    subject: str
    email: str
    email_verified: bool


class OidcClient:
    """One configured provider. Discovery and JWKS are fetched on first use and kept."""

    def __init__(self, *, issuer: str, client_id: str, client_secret: str, name: str) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.name = name
        self._app: Any = OAuth().register(
            name="oidc",
            client_id=client_id,
            client_secret=client_secret,
            server_metadata_url=issuer + DISCOVERY_PATH,
            client_kwargs={
                "scope": "openid email profile",
                "code_challenge_method": "S256",
                "timeout": TIMEOUT_SECONDS,
            },
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcClient | None:
        if not (settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret):
            return None
        return cls(
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret.get_secret_value(),
            name=settings.oidc_name,
        )

    async def _metadata(self) -> dict[str, Any]:
        try:
            metadata: dict[str, Any] = await self._app.load_server_metadata()
        except DISCOVERY_ERRORS as error:
            log.warning(kv(event="oidc_discovery_failed", error=type(error).__name__))
            raise OidcError(UNREACHABLE, unavailable=True) from None
        # OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was
        # fetched for, or its keys and endpoints are someone else's.
        wrong_issuer = str(metadata.get("issuer", "")).rstrip("/") != self.issuer
        missing = [name for name in ENDPOINTS if not isinstance(metadata.get(name), str)]
        if wrong_issuer or missing:
            self._app.server_metadata.clear()  # fetched again next time: may be fixed
            log.warning(
                kv(
                    event="oidc_discovery_unusable",
                    issuer=metadata.get("issuer"),
                    missing=",".join(missing) or "-",
                )
            )
            raise OidcError(UNREACHABLE, unavailable=True)
        return metadata

    async def start(self, redirect_uri: str) -> AuthRequest:
        """The provider's authorization URL, with a new state, nonce and PKCE verifier."""
        await self._metadata()
        found = await self._app.create_authorization_url(redirect_uri)
        return AuthRequest(
            url=found["url"],
            state=found["state"],
            nonce=found["nonce"],
            code_verifier=found["code_verifier"],
        )

    async def finish(
        self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str
    ) -> Identity:
        """Exchange the code and check the ID token; the identity it proves."""
        metadata = await self._metadata()
        try:
            token = await self._app.fetch_access_token(
                redirect_uri=redirect_uri, code=code, code_verifier=code_verifier
            )
        except NETWORK_ERRORS as error:
            log.warning(kv(event="oidc_token_failed", error=type(error).__name__))
            raise OidcError(UNREACHABLE, unavailable=True) from None
        except (AuthlibBaseError, ValueError, KeyError) as error:
            # The provider's error code only: its description may echo what was sent.
            log.warning(kv(event="oidc_token_refused", error=getattr(error, "error", "?")))
            raise OidcError(REFUSED) from None
        if not isinstance(token, dict) or "id_token" not in token:
            log.warning(kv(event="oidc_token_refused", error="no_id_token"))
            raise OidcError(REFUSED)
        return await self._check_id_token(token, issuer=str(metadata["issuer"]), nonce=nonce)

    async def _check_id_token(self, token: dict[str, Any], *, issuer: str, nonce: str) -> Identity:
        # Authlib checks iss only from discovery and aud only through azp: both are
        # required here, with exp and sub, whatever the provider's metadata says.
        options = {
            "iss": {"essential": True, "value": issuer},
            "aud": {"essential": True, "value": self.client_id},
            "exp": {"essential": True},
            "sub": {"essential": True},
        }
        try:
            claims = await self._app.parse_id_token(
                token, nonce=nonce, claims_options=options, leeway=LEEWAY_SECONDS
            )
        except NETWORK_ERRORS as error:
            log.warning(kv(event="oidc_jwks_failed", error=type(error).__name__))
            raise OidcError(UNREACHABLE, unavailable=True) from None
        except (JoseError, AuthlibBaseError, ValueError, KeyError, TypeError) as error:
            # The claim that failed (aud, iss, nonce…), never the token.
            claim = getattr(error, "claim", "-")
            log.warning(kv(event="oidc_id_token_refused", error=type(error).__name__, claim=claim))
            raise OidcError(REFUSED) from None
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject or len(subject) > 255:
            raise OidcError(REFUSED)
        email = claims.get("email")
        return Identity(
            issuer=issuer,
            subject=subject,
            email=email if isinstance(email, str) else "",
            # Only a JSON true counts: some providers send the string "false".
            email_verified=claims.get("email_verified") is True,
        )
