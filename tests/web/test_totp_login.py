"""Two-factor sign-in in the browser: set up on the account page, a second sign-in step
for the code (wrong codes told, replays and guessing refused, expiring), turning it off
with password and code, and CSRF on every form."""

from __future__ import annotations

import re
import time

import httpx
import pyotp
import pytest

from api.conftest import PASSWORD
from betteruptime.web.deps import CONTENT_SECURITY_POLICY
from betteruptime.web.views import accounts
from web.conftest import Browser, OpenBrowser, csrf_token, post_form

EMAIL = "alice@example.com"
_SECRET = re.compile(r'class="totp-secret">([A-Z2-7]+)<')


def _code(secret: str, *, at: float | None = None, steps_from_now: int = 0) -> str:
    return pyotp.TOTP(secret).at((time.time() if at is None else at) + 30 * steps_from_now)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def _turn_on(browser: Browser) -> str:
    """Set up and enable two-factor sign-in on the account page; the secret. Confirms
    with the previous step's code, so the tests' current codes stay unused."""
    setup = await post_form(browser, "/account", "/account/totp/setup")
    assert setup.status_code == 200, setup.text
    found = _SECRET.search(setup.text)
    assert found, "the setup page shows no secret"
    enabled = await browser.post(
        "/account/totp/enable",
        data={
            "csrf_token": csrf_token(setup.text),
            "code": _code(found.group(1), steps_from_now=-1),
        },
    )
    assert enabled.status_code == 303 and enabled.headers["location"] == "/account"
    return found.group(1)


async def _password_step(browser: Browser, next: str = "/") -> httpx.Response:
    return await post_form(browser, "/login", "/login", email=EMAIL, password=PASSWORD, next=next)


async def _code_step(browser: Browser, code: str, next: str = "/") -> httpx.Response:
    return await post_form(browser, "/login/totp", "/login/totp", code=code, next=next)


async def _signed_in(browser: Browser) -> bool:
    return (await browser.get("/")).status_code == 200


@pytest.fixture
async def secret(open_browser: OpenBrowser) -> str:
    return await _turn_on(await open_browser(EMAIL))


async def test_the_setup_page_shows_a_qr_code_and_the_key_and_needs_a_code_to_turn_on(
    open_browser: OpenBrowser,
) -> None:
    browser = await open_browser(EMAIL)
    account = await browser.get("/account")
    assert account.status_code == 200 and "Set up two-factor sign-in" in account.text
    assert 'href="/account"' in account.text  # the nav and the email in the top bar

    setup = await post_form(browser, "/account", "/account/totp/setup")
    found = _SECRET.search(setup.text)
    assert found and '<img class="qr" src="data:image/svg+xml' in setup.text
    assert setup.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert setup.headers["cache-control"] == "no-store"
    assert not re.search(r"<script(?![^>]*\bsrc=)|<style\b|\sstyle=", setup.text)
    wrong = await browser.post(
        "/account/totp/enable",
        data={"csrf_token": csrf_token(setup.text), "code": _wrong(_code(found.group(1)))},
    )
    assert wrong.status_code == 400
    assert 'id="code-error"' in wrong.text and "The code does not match" in wrong.text
    assert found.group(1) in wrong.text  # still pending: the same key to try again with
    assert "Set up two-factor sign-in" in (await browser.get("/account")).text

    right = await browser.post(
        "/account/totp/enable",
        data={"csrf_token": csrf_token(wrong.text), "code": _code(found.group(1))},
    )
    assert right.status_code == 303
    page = await browser.get("/account")
    assert "Two-factor sign-in is on" in page.text and "Turn off two-factor sign-in" in page.text
    assert found.group(1) not in page.text


async def test_signing_in_asks_for_the_code_after_the_password(
    open_browser: OpenBrowser, secret: str
) -> None:
    browser = await open_browser(None)
    password_step = await _password_step(browser, next="/monitors/7")
    assert password_step.status_code == 303
    assert password_step.headers["location"] == "/login/totp?next=/monitors/7"
    assert not await _signed_in(browser)  # the password alone signs nobody in

    page = await browser.get(password_step.headers["location"])
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.text
    done = await _code_step(browser, _code(secret), next="/monitors/7")

    assert done.status_code == 303 and done.headers["location"] == "/monitors/7"
    assert await _signed_in(browser)


async def test_a_wrong_code_is_told_next_to_the_field_and_a_used_one_is_refused(
    open_browser: OpenBrowser, secret: str
) -> None:
    first, second = await open_browser(None), await open_browser(None)
    code = _code(secret)
    await _password_step(first)
    wrong = await _code_step(first, _wrong(code))
    assert wrong.status_code == 401
    assert 'id="code-error"' in wrong.text and accounts.WRONG_CODE in wrong.text
    assert not await _signed_in(first)
    assert (await _code_step(first, code)).status_code == 303

    await _password_step(second)
    replayed = await _code_step(second, code)
    assert replayed.status_code == 401 and not await _signed_in(second)


async def test_guessing_codes_hits_the_accounts_sign_in_limit(
    open_browser: OpenBrowser, secret: str
) -> None:
    browser = await open_browser(None)
    await _password_step(browser)  # the account's first attempt of ten
    wrong = _wrong(_code(secret))
    guesses = [await _code_step(browser, wrong) for _ in range(9)]
    blocked = await _code_step(browser, _code(secret))

    assert [r.status_code for r in guesses] == [401] * 9
    assert blocked.status_code == 429 and "Too many attempts" in blocked.text
    assert not await _signed_in(browser)


async def test_the_code_step_expires(
    open_browser: OpenBrowser, secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = await open_browser(None)
    await _password_step(browser)
    token = csrf_token((await browser.get("/login/totp")).text)
    later = time.time() + accounts.PENDING_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)

    late = await browser.post(
        "/login/totp", data={"csrf_token": token, "code": _code(secret, at=later), "next": "/"}
    )

    assert late.status_code == 303 and late.headers["location"] == "/login"
    assert accounts.EXPIRED in (await browser.get("/login")).text
    assert not await _signed_in(browser)
    assert (await browser.get("/login/totp")).headers["location"] == "/login"


async def test_the_code_step_without_a_password_step_goes_back_to_login(
    open_browser: OpenBrowser, secret: str
) -> None:
    browser = await open_browser(None)
    page = await browser.get("/login/totp")
    posted = await post_form(browser, "/login", "/login/totp", code=_code(secret))

    assert page.status_code == 303 and page.headers["location"] == "/login"
    assert posted.status_code == 303 and not await _signed_in(browser)


async def test_turning_it_off_needs_the_password_and_a_code(
    open_browser: OpenBrowser, secret: str
) -> None:
    browser = await open_browser(None)
    await _password_step(browser)
    await _code_step(browser, _code(secret))
    code = _code(secret, steps_from_now=1)

    missing = await post_form(browser, "/account", "/account/totp/disable", password=PASSWORD)
    wrong = await post_form(
        browser, "/account", "/account/totp/disable", password="not it", code=code
    )
    off = await post_form(
        browser, "/account", "/account/totp/disable", password=PASSWORD, code=code
    )

    assert missing.status_code == 422 and 'id="code-error"' in missing.text
    assert wrong.status_code == 401 and "The password or the code is incorrect." in wrong.text
    assert off.status_code == 303
    assert "Two-factor sign-in is off" in (await browser.get("/account")).text
    fresh = await open_browser(None)
    assert (await _password_step(fresh)).headers["location"] == "/"


async def test_the_code_step_without_the_csrf_token_is_refused(
    open_browser: OpenBrowser, secret: str
) -> None:
    browser = await open_browser(None)
    await _password_step(browser)

    refused = await browser.post("/login/totp", data={"code": _code(secret), "next": "/"})

    assert refused.status_code == 403 and "This form has expired" in refused.text
    assert not await _signed_in(browser)


@pytest.mark.parametrize(
    "action", ["/account/totp/setup", "/account/totp/enable", "/account/totp/disable"]
)
async def test_the_account_forms_without_the_csrf_token_change_nothing(
    open_browser: OpenBrowser, secret: str, action: str
) -> None:
    browser = await open_browser(None)
    await _password_step(browser)
    await _code_step(browser, _code(secret))

    refused = await browser.post(
        action, data={"code": _code(secret, steps_from_now=1), "password": PASSWORD}
    )

    assert refused.status_code == 403 and "This form has expired" in refused.text
    assert "Turn off two-factor sign-in" in (await browser.get("/account")).text
