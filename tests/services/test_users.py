"""User service against SQLite and PostgreSQL: the functions the API and the CLI share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from betteruptime.auth import passwords
from betteruptime.db.session import SessionFactory
from betteruptime.services import organizations, users

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_hashing() -> Iterator[None]:
    passwords.use_hasher(CHEAP)
    yield
    passwords.use_hasher(PasswordHasher())


async def test_it_creates_a_user_with_a_lowercased_email(sessions: SessionFactory) -> None:
    async with sessions() as session:
        user = await users.create_user(session, email="Ann@Example.org", password="long enough")

    assert user.id is not None
    assert user.email == "ann@example.org"
    assert passwords.verify_password(user.password_hash, "long enough")


async def test_it_finds_a_user_by_email_in_any_case(sessions: SessionFactory) -> None:
    async with sessions() as session:
        await users.create_user(session, email="ann@example.org", password="long enough")
    async with sessions() as session:
        found = await users.get_user_by_email(session, email=" ANN@example.ORG")
        missing = await users.get_user_by_email(session, email="bob@example.org")

    assert found is not None and found.email == "ann@example.org"
    assert missing is None


async def test_it_refuses_an_email_that_exists_in_another_case(sessions: SessionFactory) -> None:
    async with sessions() as session:
        await users.create_user(session, email="ann@example.org", password="long enough")

    async with sessions() as session:
        with pytest.raises(users.EmailTakenError) as caught:
            await users.create_user(session, email="ANN@example.org", password="long enough")

    assert isinstance(caught.value, users.UserError)
    assert "already exists" in str(caught.value)


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("not-an-email", "long enough", "email"),
        ("a@b", "long enough", "email"),
        ("a b@example.org", "long enough", "email"),
        ("a@example.org", "seven77", "password"),
    ],
)
async def test_it_refuses_bad_input_with_a_user_error_naming_the_field(
    sessions: SessionFactory, email: str, password: str, field: str
) -> None:
    async with sessions() as session:
        with pytest.raises(users.UserInputError) as caught:
            await users.create_user(session, email=email, password=password)

    assert caught.value.field == field
    assert isinstance(caught.value, users.UserError)


async def test_it_authenticates_only_the_right_password(sessions: SessionFactory) -> None:
    async with sessions() as session:
        await users.create_user(session, email="ann@example.org", password="long enough")

    async with sessions() as session:
        right = await users.authenticate(session, email="Ann@example.org", password="long enough")
        wrong = await users.authenticate(session, email="ann@example.org", password="not it!!")
        unknown = await users.authenticate(session, email="x@example.org", password="long enough")

    assert right is not None and right.email == "ann@example.org"
    assert wrong is None and unknown is None


async def test_it_rehashes_a_password_made_with_weaker_parameters_at_login(
    sessions: SessionFactory,
) -> None:
    async with sessions() as session:
        user = await users.create_user(session, email="ann@example.org", password="long enough")
    old_hash = user.password_hash
    passwords.use_hasher(PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1))

    async with sessions() as session:
        await users.authenticate(session, email="ann@example.org", password="long enough")
    async with sessions() as session:
        reloaded = await users.get_user_by_email(session, email="ann@example.org")

    assert reloaded is not None
    assert reloaded.password_hash != old_hash
    assert not passwords.needs_rehash(reloaded.password_hash)


async def test_signing_up_makes_the_users_personal_organization_with_them_as_owner(
    sessions: SessionFactory,
) -> None:
    async with sessions() as session:
        user = await users.create_user(session, email="ann@example.org", password="long enough")
    async with sessions() as session:
        mine = await organizations.list_for_user(session, user_id=user.id)

    assert [(o.organization.name, o.organization.personal, o.role) for o in mine] == [
        ("ann@example.org's organization", True, "owner")
    ]
    assert mine[0].organization.created_by_id == user.id
