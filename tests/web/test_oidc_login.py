"""Sign-in with OpenID Connect against a real provider on loopback (testkit/oidc_provider):
the browser goes app → provider → app as a real one would; the app talks to the provider
over the network. First sign-in, linking, refusals, tokens that do not check out, the
two-factor step, and the client secret kept out of logs and pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from betteruptime.auth import oidc
from betteruptime.db.models import OidcIdentity, User
from betteruptime.db.session import SessionFactory
from betteruptime.runtime.app import create_app
from betteruptime.services import identities
from betteruptime.services import organizations as organization_service
from betteruptime.settings import Settings, SettingsError, load_settings
from betteruptime.web.deps import CONTENT_SECURITY_POLICY
from betteruptime.web.views import oidc as oidc_views
from testkit.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    OidcProvider,
    ProviderUser,
    new_signing_key,
)
from web.conftest import Browser, OpenBrowser, post_form
from web.test_totp_login import _code, _turn_on

CAROL = "carol@example.com"


@pytest.fixture(scope="module")
def signing_key() -> Any:
    return new_signing_key()


@pytest.fixture
async def provider(signing_key: Any) -> AsyncIterator[OidcProvider]:
    server = OidcProvider(signing_key)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def settings(database_url: str, provider: OidcProvider) -> Settings:
    """The API tests' settings, with sign-in through the loopback provider."""
    return Settings(
        database_url=database_url,
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_name="Test IdP",
        public_url="http://test",
        _env_file=None,
    )


@pytest.fixture
async def to_provider() -> AsyncIterator[httpx.AsyncClient]:
    """The browser's requests to the provider: over the network, redirects not followed."""
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client


async def _go_to_provider(browser: Browser, next: str = "/") -> httpx.Response:
    start = await browser.get("/login/oidc", params={"next": next})
    assert start.status_code == 303, start.text
    return start


async def _sign_in(
    browser: Browser, to_provider: httpx.AsyncClient, next: str = "/"
) -> httpx.Response:
    """Start at the app, pass the provider, and answer the app's callback's response."""
    start = await _go_to_provider(browser, next)
    at_provider = await to_provider.get(start.headers["location"])
    assert at_provider.status_code == 302, at_provider.text
    return await browser.get(at_provider.headers["location"])


async def _signed_in(browser: Browser) -> bool:
    return (await browser.get("/")).status_code == 200


async def _count(sessions: SessionFactory, model: type[User] | type[OidcIdentity]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def _refused_with(response: httpx.Response, message: str) -> bool:
    return response.status_code == 400 and message in response.text


async def test_the_login_page_offers_the_provider(open_browser: OpenBrowser) -> None:
    page = await (await open_browser(None)).get("/login?next=/monitors/3")

    assert "Sign in with Test IdP" in page.text
    assert 'href="/login/oidc?next=/monitors/3"' in page.text
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


async def test_the_provider_is_asked_with_pkce_state_and_nonce(
    open_browser: OpenBrowser, provider: OidcProvider
) -> None:
    start = await _go_to_provider(await open_browser(None))
    url = urlsplit(start.headers["location"])
    query = parse_qs(url.query)

    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{provider.issuer}/authorize"
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    assert query["redirect_uri"] == ["http://test/login/oidc/callback"]
    assert "openid" in query["scope"][0].split()


async def test_a_first_sign_in_creates_the_user_and_signs_in(
    open_browser: OpenBrowser,
    to_provider: httpx.AsyncClient,
    provider: OidcProvider,
    sessions: SessionFactory,
) -> None:
    browser = await open_browser(None)
    done = await _sign_in(browser, to_provider, next="/monitors/new")

    assert done.status_code == 303 and done.headers["location"] == "/monitors/new"
    assert await _signed_in(browser)
    async with sessions() as session:
        link = (await session.scalars(select(OidcIdentity))).one()
        user = await session.get(User, link.user_id)
        mine = await organization_service.list_for_user(session, user_id=link.user_id)
    assert user is not None and user.email == CAROL
    assert (link.issuer, link.subject, link.email) == (provider.issuer, "user-1", CAROL)
    assert provider.token_requests[-1].form["code_verifier"]
    # Like any sign-up: the new user's personal organization, which they own.
    assert [(o.organization.personal, o.role) for o in mine] == [(True, "owner")]


async def test_after_signing_in_it_goes_back_only_to_a_page_of_this_site(
    open_browser: OpenBrowser, to_provider: httpx.AsyncClient
) -> None:
    done = await _sign_in(await open_browser(None), to_provider, next="//evil.example/x")

    assert done.status_code == 303 and done.headers["location"] == "/"


async def test_a_second_sign_in_finds_the_same_user_even_with_a_new_email(
    open_browser: OpenBrowser,
    to_provider: httpx.AsyncClient,
    provider: OidcProvider,
    sessions: SessionFactory,
) -> None:
    await _sign_in(await open_browser(None), to_provider)
    provider.reset(ProviderUser(email="carol.new@example.com"))
    again = await open_browser(None)

    assert (await _sign_in(again, to_provider)).status_code == 303
    assert await _signed_in(again)
    assert await _count(sessions, User) == 1 and await _count(sessions, OidcIdentity) == 1


async def test_a_verified_email_links_the_existing_account(
    open_browser: OpenBrowser, to_provider: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    await open_browser(CAROL)  # signed up with a password
    browser = await open_browser(None)

    assert (await _sign_in(browser, to_provider)).status_code == 303
    assert await _signed_in(browser)
    assert await _count(sessions, User) == 1 and await _count(sessions, OidcIdentity) == 1
    assert await open_browser(CAROL)  # the password still signs in


async def test_an_unverified_email_of_an_existing_account_is_refused(
    open_browser: OpenBrowser,
    to_provider: httpx.AsyncClient,
    provider: OidcProvider,
    sessions: SessionFactory,
) -> None:
    await open_browser(CAROL)
    provider.reset(ProviderUser(email=CAROL.upper(), email_verified=False))
    browser = await open_browser(None)

    refused = await _sign_in(browser, to_provider)

    assert _refused_with(refused, identities.UNVERIFIED)
    assert not await _signed_in(browser)
    assert await _count(sessions, OidcIdentity) == 0


async def test_an_unverified_email_gets_no_new_account(
    open_browser: OpenBrowser,
    to_provider: httpx.AsyncClient,
    provider: OidcProvider,
    sessions: SessionFactory,
) -> None:
    provider.reset(ProviderUser(email_verified=False))

    refused = await _sign_in(await open_browser(None), to_provider)

    assert _refused_with(refused, identities.UNVERIFIED)
    assert await _count(sessions, User) == 0


async def test_without_sign_up_a_new_email_is_refused(
    app: FastAPI,
    settings: Settings,
    open_browser: OpenBrowser,
    to_provider: httpx.AsyncClient,
    sessions: SessionFactory,
) -> None:
    app.state.settings = settings.model_copy(update={"oidc_allow_signup": False})

    refused = await _sign_in(await open_browser(None), to_provider)

    assert _refused_with(refused, identities.NO_SIGNUP)
    assert await _count(sessions, User) == 0


async def test_a_wrong_or_replayed_state_is_refused(
    open_browser: OpenBrowser, to_provider: httpx.AsyncClient
) -> None:
    browser = await open_browser(None)
    start = await _go_to_provider(browser)
    back = (await to_provider.get(start.headers["location"])).headers["location"]
    state = parse_qs(urlsplit(back).query)["state"][0]

    forged = await browser.get(back.replace(state, state[:-1] + ("A" if state[-1] != "A" else "B")))
    replayed = await browser.get(back)  # the flow ended with the forged callback
    stranger = await (await open_browser(None)).get(back)  # another browser's callback

    for response in (forged, replayed, stranger):
        assert _refused_with(response, oidc_views.STALE)
    assert not await _signed_in(browser)


async def test_the_provider_saying_no_is_told(
    open_browser: OpenBrowser, to_provider: httpx.AsyncClient, provider: OidcProvider
) -> None:
    provider.behaviour.deny = True

    refused = await _sign_in(await open_browser(None), to_provider)

    assert _refused_with(refused, oidc_views.DENIED)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param({"signing_key": "same-kid"}, id="signed-by-another-key"),
        pytest.param({"signing_key": "new-kid"}, id="signed-by-an-unknown-key"),
        pytest.param({"claims": {"aud": "someone-else"}}, id="wrong-audience"),
        pytest.param({"claims": {"aud": ["someone-else"], "azp": CLIENT_ID}}, id="azp-not-aud"),
        pytest.param({"claims": {"iss": "http://127.0.0.1:9/"}}, id="wrong-issuer"),
        pytest.param({"claims": {"exp": 1_000_000_000, "iat": 999_999_000}}, id="expired"),
        pytest.param({"claims": {"nonce": "not-the-one-sent"}}, id="wrong-nonce"),
    ],
)
async def test_an_id_token_that_does_not_check_out_is_refused(
    open_browser: OpenBrowser,
    to_provider: httpx.AsyncClient,
    provider: OidcProvider,
    sessions: SessionFactory,
    tamper: dict[str, Any],
) -> None:
    if "signing_key" in tamper:
        kid = provider.key.kid if tamper["signing_key"] == "same-kid" else "other-key"
        provider.behaviour.signing_key = new_signing_key(kid)
    provider.behaviour.claims = tamper.get("claims", {})
    browser = await open_browser(None)

    refused = await _sign_in(browser, to_provider)

    assert _refused_with(refused, oidc.REFUSED)
    assert not await _signed_in(browser)
    assert await _count(sessions, User) == 0


async def test_a_user_with_two_factor_sign_in_still_gets_the_code_step(
    open_browser: OpenBrowser, to_provider: httpx.AsyncClient
) -> None:
    secret = await _turn_on(await open_browser(CAROL))
    browser = await open_browser(None)

    first = await _sign_in(browser, to_provider, next="/monitors/new")

    assert first.headers["location"] == "/login/totp?next=/monitors/new"
    assert not await _signed_in(browser)
    done = await post_form(
        browser, "/login/totp", "/login/totp", code=_code(secret), next="/monitors/new"
    )
    assert done.status_code == 303 and done.headers["location"] == "/monitors/new"
    assert await _signed_in(browser)


async def test_an_unreachable_provider_is_told_not_a_500(
    open_browser: OpenBrowser, provider: OidcProvider
) -> None:
    await provider.stop()

    answer = await (await open_browser(None)).get("/login/oidc")

    assert answer.status_code == 502 and oidc.UNREACHABLE in answer.text


@pytest.mark.parametrize(
    "metadata",
    [{"issuer": "https://impostor.example"}, {"token_endpoint": None}],
    ids=["names-another-issuer", "lacks-an-endpoint"],
)
async def test_a_discovery_document_that_does_not_fit_is_not_used(
    open_browser: OpenBrowser, provider: OidcProvider, metadata: dict[str, Any]
) -> None:
    provider.behaviour.metadata = metadata

    answer = await (await open_browser(None)).get("/login/oidc")

    assert answer.status_code == 502 and oidc.UNREACHABLE in answer.text


async def test_the_client_secret_never_appears_in_logs_or_pages(
    open_browser: OpenBrowser,
    to_provider: httpx.AsyncClient,
    provider: OidcProvider,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    browser = await open_browser(None)
    pages = [await _sign_in(browser, to_provider), await browser.get("/")]
    provider.behaviour.claims = {"aud": "someone-else"}
    pages.append(await _sign_in(await open_browser(None), to_provider))
    pages.append(await (await open_browser(None)).get("/login/oidc/callback?state=x&code=y"))

    assert provider.token_requests, "the secret was never sent"
    assert CLIENT_SECRET not in caplog.text
    for page in pages:
        assert CLIENT_SECRET not in page.text and CLIENT_SECRET not in str(page.headers)
        assert "id_token" not in page.text


async def test_without_an_issuer_there_is_no_button_and_no_flow(
    database_url: str, sessions: SessionFactory
) -> None:
    plain = create_app(Settings(database_url=database_url, _env_file=None), sessions)
    transport = httpx.ASGITransport(app=plain)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as browser:
        page = await browser.get("/login")
        start = await browser.get("/login/oidc")
        callback = await browser.get("/login/oidc/callback?state=x&code=y")

    assert page.status_code == 200 and "/login/oidc" not in page.text
    assert start.status_code == 404 and callback.status_code == 404


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"oidc_issuer": "https://id.example.com"}, "BETTERUPTIME_OIDC_CLIENT_ID"),
        (
            {
                "oidc_issuer": "https://id.example.com",
                "oidc_client_id": "x",
                "oidc_client_secret": "",
            },
            "BETTERUPTIME_OIDC_CLIENT_SECRET",
        ),
        (
            {"oidc_issuer": "http://id.example.com", "oidc_client_id": "x"},
            "BETTERUPTIME_OIDC_ISSUER",
        ),
    ],
)
def test_an_incomplete_or_plain_http_provider_setting_stops_start_up(
    overrides: dict[str, str], variable: str
) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings(_env_file=None, **{"oidc_client_secret": "s", **overrides})


def test_the_issuer_loses_a_trailing_slash() -> None:
    settings = load_settings(
        _env_file=None,
        oidc_issuer="https://id.example.com/",
        oidc_client_id="x",
        oidc_client_secret="s",
    )
    assert settings.oidc_issuer == "https://id.example.com" and settings.oidc_enabled
