"""API fixtures: the real app over a real, migrated SQLite file, driven through httpx.

The schema is migrated once per session into a template file; each test gets a copy, so
tests are isolated without paying for a migration each. Password hashing uses cheap
Argon2 parameters: the API tests are about behaviour, not about hashing cost.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from betteruptime.auth import passwords
from betteruptime.db.migrate import upgrade
from betteruptime.db.session import SessionFactory
from betteruptime.runtime.app import create_app
from betteruptime.settings import Settings

Headers = dict[str, str]
Login = Callable[..., Awaitable[Headers]]
CreateMonitor = Callable[..., Awaitable[dict[str, Any]]]

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(migrated_template: Path, tmp_path: Path) -> str:
    """Overrides the shared fixture: SQLite only, copied from the migrated template."""
    path = tmp_path / "api.db"
    shutil.copyfile(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    passwords.use_hasher(PasswordHasher())


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        region="eu-west",
        min_interval=10,
        token_ttl_days=30,
        # Where the tests' clients reach the app (their base_url).
        public_url="http://test",
        _env_file=None,
    )


@pytest.fixture
def app(settings: Settings, sessions: SessionFactory) -> FastAPI:
    return create_app(settings, sessions)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
def login(client: httpx.AsyncClient) -> Login:
    """Sign a user up (once) and return Authorization headers with a fresh token."""

    async def sign_up_and_log_in(email: str = "alice@example.com") -> Headers:
        signup = await client.post(
            "/api/v1/auth/signup", json={"email": email, "password": PASSWORD}
        )
        assert signup.status_code in (201, 409), signup.text
        response = await client.post(
            "/api/v1/auth/token", json={"email": email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return sign_up_and_log_in


@pytest.fixture
async def alice(login: Login) -> Headers:
    return await login("alice@example.com")


@pytest.fixture
async def bob(login: Login) -> Headers:
    return await login("bob@example.com")


@pytest.fixture
def create_monitor(client: httpx.AsyncClient) -> CreateMonitor:
    """Create a monitor through the API and return its JSON."""

    async def create(headers: Headers, **fields: Any) -> dict[str, Any]:
        body = {"name": "Example", "url": "https://example.com/health", **fields}
        response = await client.post("/api/v1/monitors", json=body, headers=headers)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    return create


@pytest.fixture
def create_channel(client: httpx.AsyncClient) -> CreateMonitor:
    """Create a channel through the API (a webhook unless `url` is given); its JSON."""

    async def create(headers: Headers, **fields: Any) -> dict[str, Any]:
        body = {"name": "Ops webhook", "url": "json://hooks.example.com/alerts", **fields}
        response = await client.post("/api/v1/channels", json=body, headers=headers)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    return create
