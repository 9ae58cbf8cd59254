"""Sign-in limits, token listing and revocation, and password changes that sign
everyone out."""

from __future__ import annotations

import httpx

from api.conftest import PASSWORD

SIGNUP, TOKEN = "/api/v1/auth/signup", "/api/v1/auth/token"
TOKENS, PASSWORD_URL = "/api/v1/auth/tokens", "/api/v1/auth/password"


async def _login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post(TOKEN, json={"email": email, "password": password})


async def test_guessing_one_accounts_password_is_stopped_with_retry_after(
    client: httpx.AsyncClient, alice: dict[str, str], bob: dict[str, str]
) -> None:
    # The fixtures signed alice and bob in once each: 2 attempts from this address.
    wrong = [await _login(client, "alice@example.com", "not it") for _ in range(10)]
    eleventh = await _login(client, "alice@example.com", PASSWORD)
    other_account = await _login(client, "bob@example.com", PASSWORD)

    assert [r.status_code for r in wrong] == [401] * 10
    assert eleventh.status_code == 429
    assert 0 < int(eleventh.headers["Retry-After"]) <= 900
    assert eleventh.json()["error"] == "too_many_attempts"
    assert other_account.status_code == 200


async def test_a_successful_sign_in_clears_the_accounts_failures(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    for _ in range(9):
        await _login(client, "alice@example.com", "not it")
    assert (await _login(client, "alice@example.com", PASSWORD)).status_code == 200

    later = [await _login(client, "alice@example.com", "not it") for _ in range(5)]

    assert [r.status_code for r in later] == [401] * 5


async def test_one_address_cannot_spray_many_accounts(client: httpx.AsyncClient) -> None:
    answers = [await _login(client, f"user{n}@example.com", "guess") for n in range(21)]

    assert [r.status_code for r in answers] == [401] * 20 + [429]


async def test_sign_ups_from_one_address_are_limited(client: httpx.AsyncClient) -> None:
    answers = [
        await client.post(SIGNUP, json={"email": f"new{n}@example.com", "password": PASSWORD})
        for n in range(11)
    ]

    assert [r.status_code for r in answers] == [201] * 10 + [429]


async def test_tokens_are_listed_without_their_secret_and_can_be_revoked(
    client: httpx.AsyncClient, alice: dict[str, str], bob: dict[str, str]
) -> None:
    second = (await _login(client, "alice@example.com", PASSWORD)).json()["access_token"]
    second_headers = {"Authorization": f"Bearer {second}"}

    listed = await client.get(TOKENS, headers=alice)
    tokens = listed.json()
    assert len(tokens) == 2 and second not in listed.text
    current = [t for t in tokens if t["current"]]
    assert len(current) == 1
    other = next(t for t in tokens if not t["current"])

    bobs_try = await client.delete(f"{TOKENS}/{other['id']}", headers=bob)
    revoked = await client.delete(f"{TOKENS}/{other['id']}", headers=alice)

    assert bobs_try.status_code == 404
    assert revoked.status_code == 204
    assert (await client.get(TOKENS, headers=second_headers)).status_code == 401
    assert (await client.get(TOKENS, headers=alice)).status_code == 200


async def test_a_password_change_revokes_every_token_and_hands_out_a_new_one(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    other = (await _login(client, "alice@example.com", PASSWORD)).json()["access_token"]
    new_password = "a brand new passphrase"

    refused = await client.post(
        PASSWORD_URL,
        json={"current_password": "wrong", "new_password": new_password},
        headers=alice,
    )
    changed = await client.post(
        PASSWORD_URL,
        json={"current_password": PASSWORD, "new_password": new_password},
        headers=alice,
    )

    assert refused.status_code == 401
    assert changed.status_code == 200
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    for old in (alice, {"Authorization": f"Bearer {other}"}):
        assert (await client.get(TOKENS, headers=old)).status_code == 401
    assert (await client.get(TOKENS, headers=fresh)).status_code == 200
    assert (await _login(client, "alice@example.com", PASSWORD)).status_code == 401
    assert (await _login(client, "alice@example.com", new_password)).status_code == 200


async def test_a_weak_new_password_is_refused_and_nothing_changes(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await client.post(
        PASSWORD_URL, json={"current_password": PASSWORD, "new_password": "short"}, headers=alice
    )

    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "new_password"
    assert (await client.get(TOKENS, headers=alice)).status_code == 200
