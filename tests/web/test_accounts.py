"""Signing up, in and out in the browser: session cookie, CSRF, same rules as the API."""

from __future__ import annotations

import httpx
import pytest

from api.conftest import PASSWORD, CreateMonitor, Headers
from betteruptime.db.session import SessionFactory
from betteruptime.web.session import COOKIE_NAME
from web.conftest import OpenBrowser, csrf_token, monitor_paused, post_form


def _cookie_header(response: httpx.Response) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(COOKIE_NAME)]
    assert len(headers) == 1, response.headers
    return headers[0].lower()


async def test_signing_up_signs_the_browser_in_and_opens_the_overview(
    open_browser: OpenBrowser,
) -> None:
    browser = await open_browser(None)
    signed_up = await post_form(
        browser, "/signup", "/signup", email="New@Example.com", password=PASSWORD
    )
    assert signed_up.status_code == 303 and signed_up.headers["location"] == "/"
    overview = await browser.get("/")
    assert overview.status_code == 200
    assert "<title>Monitors · BetterUptime</title>" in overview.text
    assert "new@example.com" in overview.text


async def test_the_session_cookie_is_httponly_and_samesite_lax_and_not_secure_over_http(
    open_browser: OpenBrowser,
) -> None:
    browser = await open_browser(None)
    cookie = _cookie_header(await browser.get("/login"))
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie.replace("httponly", "")


async def test_the_session_cookie_is_secure_when_served_over_https(
    open_browser: OpenBrowser,
) -> None:
    browser = await open_browser(None, base_url="https://test")
    assert "; secure" in _cookie_header(await browser.get("/login"))


async def test_pages_send_a_signed_out_browser_to_login_and_back(
    open_browser: OpenBrowser,
) -> None:
    browser = await open_browser(None)
    page = await browser.get("/monitors/1")
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/monitors/1"
    # The overview's polling is htmx: the whole page must go to the login form.
    poll = await browser.get("/", headers={"HX-Request": "true"})
    assert poll.headers["HX-Redirect"] == "/login"
    signed_in = await post_form(
        browser, "/login", "/login", email="x@example.com", password=PASSWORD
    )
    assert signed_in.status_code == 401
    assert "The email or password is incorrect." in signed_in.text


async def test_signing_in_goes_to_next_but_never_to_another_site(
    open_browser: OpenBrowser,
) -> None:
    await open_browser("alice@example.com")
    browser = await open_browser(None)
    for asked, expected in [("/monitors/7", "/monitors/7"), ("//evil.example", "/")]:
        signed_in = await post_form(
            browser, "/login", "/login", email="alice@example.com", password=PASSWORD, next=asked
        )
        assert signed_in.headers["location"] == expected


async def test_sign_up_refuses_what_the_api_refuses_with_the_same_words(
    open_browser: OpenBrowser,
) -> None:
    browser = await open_browser(None)
    short = await post_form(browser, "/signup", "/signup", email="a@example.com", password="short")
    assert short.status_code == 422
    assert "a password has 8 to 1024 characters" in short.text
    bad_email = await post_form(browser, "/signup", "/signup", email="nope", password=PASSWORD)
    assert "must be an email address like name@example.com" in bad_email.text
    await open_browser("taken@example.com")
    taken = await post_form(
        browser, "/signup", "/signup", email="taken@example.com", password=PASSWORD
    )
    assert taken.status_code == 409 and "already exists" in taken.text


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("/login", {"email": "alice@example.com", "password": PASSWORD}),
        ("/signup", {"email": "mallory@example.com", "password": PASSWORD}),
        ("/logout", {}),
    ],
)
async def test_a_form_without_the_csrf_token_is_refused(
    open_browser: OpenBrowser, action: str, fields: dict[str, str]
) -> None:
    browser = await open_browser("alice@example.com")
    refused = await browser.post(action, data=fields)
    assert refused.status_code == 403
    assert "This form has expired" in refused.text
    # Nothing happened: still signed in as alice.
    assert "alice@example.com" in (await browser.get("/")).text


async def test_pause_without_the_csrf_token_or_with_another_sessions_token_changes_nothing(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    monitor = await create_monitor(alice)
    browser = await open_browser("alice@example.com")
    other = await open_browser("alice@example.com")
    foreign_token = csrf_token((await other.get("/")).text)
    action = f"/monitors/{monitor['id']}/pause"
    assert (await browser.post(action)).status_code == 403
    assert (await browser.post(action, data={"csrf_token": foreign_token})).status_code == 403
    assert (await browser.post(action, headers={"X-CSRF-Token": "forged"})).status_code == 403
    assert await monitor_paused(sessions, monitor["id"]) is False


async def test_signing_out_ends_the_session(open_browser: OpenBrowser) -> None:
    browser = await open_browser("alice@example.com")
    signed_out = await post_form(browser, "/", "/logout")
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/login"
    assert (await browser.get("/")).status_code == 303


async def test_a_tampered_session_cookie_counts_as_signed_out(open_browser: OpenBrowser) -> None:
    signed_in = await open_browser("alice@example.com")
    payload, signature = signed_in.cookies[COOKIE_NAME].split(".")
    stranger = await open_browser(None)

    async def status_with(cookie: str) -> int:
        page = await stranger.get("/", headers={"Cookie": f"{COOKIE_NAME}={cookie}"})
        return page.status_code

    assert await status_with(f"{payload}.{signature}") == 200
    assert await status_with(f"{payload[:-2]}AA.{signature}") == 303
    assert await status_with(f"{payload}.{signature[:-2]}AA") == 303
    assert await status_with("garbage") == 303


async def test_a_password_change_signs_every_browser_out(
    open_browser: OpenBrowser, client: httpx.AsyncClient, alice: Headers
) -> None:
    browser = await open_browser("alice@example.com")
    assert (await browser.get("/")).status_code == 200
    changed = await client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "another good password"},
        headers=alice,
    )
    assert changed.status_code == 200, changed.text
    assert (await browser.get("/")).status_code == 303
