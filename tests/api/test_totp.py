"""Two-factor sign-in through the API: setup, enable, sign in with a code, replay and
guessing refused, turning it off needs the password and a code."""

from __future__ import annotations

import time

import httpx
import pyotp
import pytest

from api.conftest import PASSWORD, Headers

TOKEN, ME = "/api/v1/auth/token", "/api/v1/auth/me"
SETUP, ENABLE, DISABLE = (f"/api/v1/auth/totp/{step}" for step in ("setup", "enable", "disable"))
EMAIL = "alice@example.com"


async def _sign_in(client: httpx.AsyncClient, **extra: str) -> httpx.Response:
    return await client.post(TOKEN, json={"email": EMAIL, "password": PASSWORD, **extra})


def _code(secret: str, *, steps_from_now: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_from_now)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def _enable(client: httpx.AsyncClient, headers: Headers) -> str:
    """Turn two-factor sign-in on; the secret. Uses the previous step's code, so the
    tests' own "current" codes stay unused."""
    secret: str = (await client.post(SETUP, headers=headers)).json()["secret"]
    enabled = await client.post(
        ENABLE, json={"code": _code(secret, steps_from_now=-1)}, headers=headers
    )
    assert enabled.status_code == 200, enabled.text
    return secret


async def test_setup_answers_a_secret_and_uri_once_and_leaves_it_pending(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    response = await client.post(SETUP, headers=alice)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"secret", "otpauth_uri"}
    assert body["otpauth_uri"].startswith("otpauth://totp/BetterUptime:alice%40example.com?")
    assert f"secret={body['secret']}" in body["otpauth_uri"]
    assert "issuer=BetterUptime" in body["otpauth_uri"]
    me = (await client.get(ME, headers=alice)).json()
    assert me["totp_enabled"] is False and body["secret"] not in str(me)
    assert (await _sign_in(client)).status_code == 200  # pending: no code asked yet


async def test_setup_needs_a_signed_in_user(client: httpx.AsyncClient) -> None:
    assert (await client.post(SETUP)).status_code == 401


async def test_enable_refuses_a_wrong_code_and_accepts_the_apps_current_one(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    secret = (await client.post(SETUP, headers=alice)).json()["secret"]

    wrong = await client.post(ENABLE, json={"code": _wrong(_code(secret))}, headers=alice)
    malformed = await client.post(ENABLE, json={"code": "abc"}, headers=alice)
    right = await client.post(ENABLE, json={"code": _code(secret)}, headers=alice)

    assert wrong.status_code == 403 and wrong.json()["error"] == "invalid_code"
    assert secret not in wrong.text
    assert malformed.status_code == 403
    assert right.status_code == 200 and right.json() == {"totp_enabled": True}
    assert (await client.get(ME, headers=alice)).json()["totp_enabled"] is True


async def test_enable_without_setup_and_setup_when_enabled_are_conflicts(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    not_set_up = await client.post(ENABLE, json={"code": "123456"}, headers=alice)
    await _enable(client, alice)
    again = await client.post(SETUP, headers=alice)

    assert not_set_up.status_code == 409 and not_set_up.json()["error"] == "totp_not_set_up"
    assert again.status_code == 409 and again.json()["error"] == "totp_already_enabled"
    assert "secret" not in again.json()


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": 123456}, {"code": "1" * 17}])
async def test_enable_with_a_malformed_body_is_a_422(
    client: httpx.AsyncClient, alice: Headers, body: dict[str, object]
) -> None:
    await client.post(SETUP, headers=alice)
    response = await client.post(ENABLE, json=body, headers=alice)
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "code"


async def test_sign_in_asks_for_the_code_then_accepts_it_once(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    secret = await _enable(client, alice)
    code = _code(secret)

    missing = await _sign_in(client)
    with_code = await _sign_in(client, totp_code=code)
    replayed = await _sign_in(client, totp_code=code)

    assert missing.status_code == 401 and missing.json()["error"] == "totp_required"
    assert "totp_code" in missing.json()["message"]
    assert with_code.status_code == 200 and with_code.json()["access_token"].startswith("bu_")
    assert replayed.status_code == 401 and replayed.json()["error"] == "invalid_credentials"


async def test_a_code_with_spaces_is_accepted_and_a_wrong_password_never_asks_for_one(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    secret = await _enable(client, alice)
    code = _code(secret)

    wrong_password = await client.post(
        TOKEN, json={"email": EMAIL, "password": "not it", "totp_code": code}
    )
    spaced = await _sign_in(client, totp_code=f"{code[:3]} {code[3:]}")

    assert wrong_password.status_code == 401
    assert wrong_password.json()["error"] == "invalid_credentials"
    assert spaced.status_code == 200


async def test_an_older_code_is_refused_after_a_newer_one_was_used(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    secret = await _enable(client, alice)
    assert (await _sign_in(client, totp_code=_code(secret, steps_from_now=1))).status_code == 200

    older = await _sign_in(client, totp_code=_code(secret))

    assert older.status_code == 401


async def test_guessing_codes_hits_the_accounts_sign_in_limit(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    secret = await _enable(client, alice)
    code = _code(secret)
    guesses = [await _sign_in(client, totp_code=_wrong(code)) for _ in range(10)]

    blocked = await _sign_in(client, totp_code=code)

    assert [r.status_code for r in guesses] == [401] * 10
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 900


async def test_disable_needs_both_the_password_and_a_current_code(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    secret = await _enable(client, alice)
    code = _code(secret)

    no_code = await client.post(DISABLE, json={"password": PASSWORD}, headers=alice)
    wrong_password = await client.post(
        DISABLE, json={"password": "not it", "code": code}, headers=alice
    )
    wrong_code = await client.post(
        DISABLE, json={"password": PASSWORD, "code": _wrong(code)}, headers=alice
    )
    # The wrong password did not use the code up.
    right = await client.post(DISABLE, json={"password": PASSWORD, "code": code}, headers=alice)

    assert no_code.status_code == 422
    assert wrong_password.status_code == 401 and wrong_code.status_code == 401
    assert right.status_code == 200 and right.json() == {"totp_enabled": False}
    assert (await client.get(ME, headers=alice)).json()["totp_enabled"] is False
    assert (await _sign_in(client)).status_code == 200
    again = await client.post(DISABLE, json={"password": PASSWORD, "code": code}, headers=alice)
    assert again.status_code == 409 and again.json()["error"] == "totp_not_enabled"


async def test_disable_attempts_count_toward_the_sign_in_limit(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    secret = await _enable(client, alice)
    body = {"password": PASSWORD, "code": _wrong(_code(secret))}
    answers = [await client.post(DISABLE, json=body, headers=alice) for _ in range(11)]

    assert [r.status_code for r in answers] == [401] * 10 + [429]
    assert "Retry-After" in answers[-1].headers
