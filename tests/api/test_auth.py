"""Sign-up, login and bearer-token authentication."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update

from betteruptime.auth.tokens import hash_token
from betteruptime.db.models import ApiToken, User
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow

SIGNUP, TOKEN, ME = "/api/v1/auth/signup", "/api/v1/auth/token", "/api/v1/monitors"


async def test_it_signs_a_user_up_with_a_lowercased_email(client: httpx.AsyncClient) -> None:
    response = await client.post(
        SIGNUP, json={"email": " Alice@Example.COM ", "password": "long enough"}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "alice@example.com"
    assert set(body) == {"id", "email", "created_at"}


async def test_it_refuses_a_second_signup_with_the_same_email_in_any_case(
    client: httpx.AsyncClient,
) -> None:
    await client.post(SIGNUP, json={"email": "alice@example.com", "password": "long enough"})

    response = await client.post(
        SIGNUP, json={"email": "ALICE@example.com", "password": "other password"}
    )

    assert response.status_code == 409
    assert response.json()["error"] == "email_taken"


async def test_it_refuses_bad_emails_and_passwords(client: httpx.AsyncClient) -> None:
    cases = [
        ({"email": "no-at-sign", "password": "long enough"}, "email"),
        ({"email": "a@b@example.com", "password": "long enough"}, "email"),
        ({"email": "a@localhost", "password": "long enough"}, "email"),
        ({"email": "a" * 250 + "@example.com", "password": "long enough"}, "email"),
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a@example.com", "password": "x" * 1025}, "password"),
    ]
    for body, field in cases:
        response = await client.post(SIGNUP, json=body)
        assert response.status_code == 422, body
        assert [d["field"] for d in response.json()["details"]] == [field]


async def test_it_never_echoes_a_rejected_password(client: httpx.AsyncClient) -> None:
    response = await client.post(SIGNUP, json={"email": "bad", "password": "secret-ish"})

    assert "secret-ish" not in response.text


async def test_it_stores_only_a_hash_of_the_password_and_the_token(
    client: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    await client.post(SIGNUP, json={"email": "alice@example.com", "password": "long enough"})
    token = (
        await client.post(TOKEN, json={"email": "alice@example.com", "password": "long enough"})
    ).json()["access_token"]

    async with sessions() as session:
        user = (await session.scalars(select(User))).one()
        stored = (await session.scalars(select(ApiToken))).one()
    assert user.password_hash.startswith("$argon2id$")
    assert stored.token_hash == hash_token(token) != token
    assert token.startswith("bu_")


async def test_it_issues_a_bearer_token_that_expires_after_the_configured_days(
    client: httpx.AsyncClient,
) -> None:
    await client.post(SIGNUP, json={"email": "alice@example.com", "password": "long enough"})

    response = await client.post(
        TOKEN, json={"email": "Alice@example.com", "password": "long enough", "name": "ci"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    lifetime = _parse(body["expires_at"]) - utcnow()
    assert timedelta(days=29, hours=23) < lifetime <= timedelta(days=30)


async def test_it_answers_a_wrong_password_and_an_unknown_email_alike(
    client: httpx.AsyncClient,
) -> None:
    await client.post(SIGNUP, json={"email": "alice@example.com", "password": "long enough"})

    wrong = await client.post(TOKEN, json={"email": "alice@example.com", "password": "nope nope"})
    unknown = await client.post(TOKEN, json={"email": "eve@example.com", "password": "nope nope"})

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_it_refuses_requests_without_a_valid_token(client: httpx.AsyncClient) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer bu_not-a-real-token"},
        {"Authorization": "Bearer something-else"},
        {"Authorization": "Basic YWxpY2U6c2VjcmV0"},
    ):
        response = await client.get(ME, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["error"] == "unauthorized"


async def test_it_refuses_an_expired_token(
    client: httpx.AsyncClient, alice: dict[str, str], sessions: SessionFactory
) -> None:
    assert (await client.get(ME, headers=alice)).status_code == 200
    async with sessions() as session:
        await session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        await session.commit()

    response = await client.get(ME, headers=alice)

    assert response.status_code == 401
    assert "expired" in response.json()["message"]


async def test_it_records_token_use_at_most_once_a_minute(
    client: httpx.AsyncClient, alice: dict[str, str], sessions: SessionFactory
) -> None:
    await client.get(ME, headers=alice)
    async with sessions() as session:
        first = (await session.scalars(select(ApiToken.last_used_at))).one()
    await client.get(ME, headers=alice)
    async with sessions() as session:
        second = (await session.scalars(select(ApiToken.last_used_at))).one()
        assert first is not None and second == first
        long_ago = utcnow() - timedelta(minutes=2)
        await session.execute(update(ApiToken).values(last_used_at=long_ago))
        await session.commit()

    await client.get(ME, headers=alice)

    async with sessions() as session:
        third = (await session.scalars(select(ApiToken.last_used_at))).one()
    assert third is not None and third > long_ago


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)
