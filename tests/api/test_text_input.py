"""NUL and control characters: the same 422 on SQLite and PostgreSQL, never a 500.

PostgreSQL cannot store NUL in text while SQLite can, so each test runs on both: a
NUL anywhere (JSON bodies, dashboard forms, paths, query strings) is refused before it
reaches the database, signed in or not. Names, titles and emails, what a person types on
one line, refuse every control character; machine text (an HTTP body, a keyword,
tcp_send) keeps its tabs and line breaks.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.conftest import PASSWORD, CreateMonitor, Headers
from conftest import _truncate_all
from web.conftest import csrf_token

V1 = "/api/v1"
NUL = "\x00"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, migrated_template: Path, tmp_path: Path) -> str:
    """Overrides the API tests' SQLite-only database: both engines here."""
    if request.param == "sqlite":
        path = tmp_path / "api.db"
        shutil.copyfile(migrated_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_truncate_all(url))
    return url


def _refused_for(response: httpx.Response, field: str) -> str:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "validation_error"
    messages = [d["message"] for d in body["details"] if d["field"] == field]
    assert messages, body
    return str(messages[0])


async def test_sign_in_and_sign_up_refuse_a_nul_in_the_email_without_authentication(
    client: httpx.AsyncClient,
) -> None:
    credentials = {"email": f"pg{NUL}@example.com", "password": PASSWORD}

    token = await client.post(f"{V1}/auth/token", json=credentials)
    signup = await client.post(f"{V1}/auth/signup", json=credentials)

    assert "NUL" in _refused_for(token, "email")
    assert "control characters" in _refused_for(signup, "email")


async def test_a_nul_in_a_password_is_refused_too(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{V1}/auth/token", json={"email": "a@example.com", "password": f"x{NUL}y"}
    )

    assert "NUL" in _refused_for(response, "password")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", f"web{NUL}site"),
        ("keyword", f"Welcome{NUL}"),
        ("body", f'{{"a": "{NUL}"}}'),
        ("url", f"https://example.com/{NUL}"),
    ],
)
async def test_a_monitor_field_with_a_nul_is_refused(
    client: httpx.AsyncClient, alice: Headers, field: str, value: str
) -> None:
    body = {"name": "shop", "kind": "keyword", "url": "https://example.com/", "keyword": "ok"}

    response = await client.post(f"{V1}/monitors", json={**body, field: value}, headers=alice)

    _refused_for(response, field)


async def test_a_nul_deep_in_a_json_value_or_in_a_header_is_refused(
    client: httpx.AsyncClient, alice: Headers, create_monitor: CreateMonitor
) -> None:
    monitor = await create_monitor(alice)
    path = f"{V1}/monitors/{monitor['id']}"

    expected = await client.patch(
        path, json={"json_path": "$.a", "json_expected": {"k": [f"v{NUL}"]}}, headers=alice
    )
    key = await client.patch(path, json={"json_expected": {f"k{NUL}": 1}}, headers=alice)
    header = await client.patch(path, json={"headers": {"X-A": f"1{NUL}"}}, headers=alice)

    assert "NUL" in _refused_for(expected, "json_expected")
    assert "NUL" in _refused_for(key, "json_expected")
    _refused_for(header, "headers.X-A")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/channels", {"name": f"ops{NUL}", "url": "json://hooks.example.com/a"}, "name"),
        ("/status-pages", {"slug": "acme", "title": f"Acme{NUL}"}, "title"),
        ("/maintenance-windows", {"name": f"backup{NUL}", "weekdays": [1]}, "name"),
    ],
)
async def test_names_and_titles_with_a_nul_are_refused(
    client: httpx.AsyncClient, alice: Headers, path: str, body: dict[str, Any], field: str
) -> None:
    response = await client.post(V1 + path, json=body, headers=alice)

    _refused_for(response, field)


@pytest.mark.parametrize("character", ["\n", "\t", "\x1b", "\x7f", "\x85"])
async def test_names_refuse_every_control_character(
    client: httpx.AsyncClient, alice: Headers, character: str
) -> None:
    response = await client.post(
        f"{V1}/monitors",
        json={"name": f"shop{character}front", "url": "https://example.com/"},
        headers=alice,
    )

    assert "control characters" in _refused_for(response, "name")


async def test_machine_text_keeps_its_line_breaks_and_tabs(
    client: httpx.AsyncClient, alice: Headers, create_monitor: CreateMonitor
) -> None:
    http = await create_monitor(
        alice,
        kind="keyword",
        keyword="<h1>\r\n\tWelcome",
        method="POST",
        body='{\n\t"q": 1\n}\r\n',
    )
    tcp = await create_monitor(
        alice, kind="tcp", url="tcp://db.example.com:6379", tcp_send="PING\r\n", tcp_expect="+PONG"
    )

    assert (http["keyword"], http["body"]) == ("<h1>\r\n\tWelcome", '{\n\t"q": 1\n}\r\n')
    stored = (await client.get(f"{V1}/monitors/{tcp['id']}", headers=alice)).json()
    assert stored["tcp_send"] == "PING\r\n"


async def test_the_dashboard_sign_in_form_refuses_a_nul_in_the_email(
    client: httpx.AsyncClient,
) -> None:
    token = csrf_token((await client.get("/login")).text)

    response = await client.post(
        "/login",
        data={"csrf_token": token, "email": f"pg{NUL}@example.com", "password": PASSWORD},
    )

    assert "NUL" in _refused_for(response, "email")


async def test_a_nul_in_a_path_or_a_query_string_is_refused(client: httpx.AsyncClient) -> None:
    page = await client.get("/status/acme%00")
    data = await client.get("/status/acme%00.json")
    login = await client.get("/login", params={"next": f"/{NUL}"})

    _refused_for(page, "path")
    _refused_for(data, "path")
    _refused_for(login, "next")
