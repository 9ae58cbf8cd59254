"""An organization's API tokens: made by admins with scope `read` or `write`, shown once
and stored as a hash, bound to the organization (another one named: 404), a `read` token
refused every write, a `write` token refused access management; sign-in tokens as before."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.conftest import CreateMonitor, Headers, Login
from api.test_organizations import acting_in, add_member, make_team
from betteruptime.auth.tokens import hash_token
from betteruptime.db.models import ApiToken
from betteruptime.db.session import SessionFactory

ORGS = "/api/v1/organizations"


def tokens_of(team: int) -> str:
    return f"{ORGS}/{team}/api-tokens"


async def make_token(
    client: httpx.AsyncClient, headers: Headers, team: int, scope: str, name: str = "ci"
) -> dict[str, Any]:
    response = await client.post(
        tokens_of(team), json={"name": name, "scope": scope}, headers=headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def bearer(created: dict[str, Any]) -> Headers:
    return {"Authorization": f"Bearer {created['token']}"}


async def test_a_token_is_shown_once_listed_without_secret_and_stored_as_a_hash(
    client: httpx.AsyncClient, alice: Headers, sessions: SessionFactory
) -> None:
    team = await make_team(client, alice)
    created = await make_token(client, alice, team, "read", name="grafana")

    listed = (await client.get(tokens_of(team), headers=alice)).json()
    sign_in_tokens = (await client.get("/api/v1/auth/tokens", headers=alice)).json()
    async with sessions() as session:
        row = (await session.scalars(select(ApiToken).where(ApiToken.id == created["id"]))).one()

    assert set(created) == {"id", "name", "scope", "token"} and created["scope"] == "read"
    assert [(t["id"], t["name"], t["scope"]) for t in listed] == [
        (created["id"], "grafana", "read")
    ]
    assert set(listed[0]) == {"id", "name", "scope", "created_at", "last_used_at"}
    assert created["token"] not in str(listed)
    assert row.token_hash == hash_token(created["token"]) and row.organization_id == team
    assert created["id"] not in [t["id"] for t in sign_in_tokens]  # not a sign-in token


async def test_a_read_token_lists_but_cannot_write(
    client: httpx.AsyncClient, alice: Headers, create_monitor: CreateMonitor
) -> None:
    team = await make_team(client, alice)
    monitor = await create_monitor(acting_in(alice, team), name="team one")
    read = bearer(await make_token(client, alice, team, "read"))

    listed = await client.get("/api/v1/monitors", headers=read)
    created = await client.post(
        "/api/v1/monitors", json={"name": "n", "url": "https://n.example/"}, headers=read
    )
    deleted = await client.delete(f"/api/v1/monitors/{monitor['id']}", headers=read)
    paused = await client.post(f"/api/v1/monitors/{monitor['id']}/pause", headers=read)

    assert listed.status_code == 200 and [m["name"] for m in listed.json()] == ["team one"]
    assert created.status_code == 403 and "read-only" in created.json()["message"]
    assert deleted.status_code == 403 and paused.status_code == 403


async def test_a_write_token_writes_but_cannot_manage_access(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    team = await make_team(client, alice)
    write = bearer(await make_token(client, alice, team, "write"))

    created = await client.post(
        "/api/v1/monitors", json={"name": "n", "url": "https://n.example/"}, headers=write
    )
    channel = await client.post(
        "/api/v1/channels", json={"name": "c", "url": "json://h.example.com/x"}, headers=write
    )
    token = await client.post(
        tokens_of(team), json={"name": "more", "scope": "write"}, headers=write
    )
    invite = await client.post(
        f"{ORGS}/{team}/invitations",
        json={"email": "x@example.com", "role": "viewer"},
        headers=write,
    )
    rename = await client.patch(f"{ORGS}/{team}", json={"name": "Mine"}, headers=write)
    account = await client.post(
        "/api/v1/auth/password",
        json={"current_password": "x", "new_password": "y" * 12},
        headers=write,
    )
    organizations = await client.get(ORGS, headers=write)

    assert created.status_code == 201 and channel.status_code == 201
    for refused in (token, invite, rename):
        assert refused.status_code == 403 and "write token" in refused.json()["message"]
    assert account.status_code == 403 and organizations.status_code == 403


async def test_a_token_acts_in_its_organization_only(
    client: httpx.AsyncClient, alice: Headers, create_monitor: CreateMonitor
) -> None:
    team = await make_team(client, alice)
    await create_monitor(alice, name="personal one")
    read = bearer(await make_token(client, alice, team, "read"))
    personal = (await client.get(ORGS, headers=alice)).json()[0]["id"]

    own = await client.get("/api/v1/monitors", headers=acting_in(read, team))
    other = await client.get("/api/v1/monitors", headers=acting_in(read, personal))
    other_path = await client.get(f"{ORGS}/{personal}/members", headers=read)

    assert own.status_code == 200 and own.json() == []
    assert other.status_code == 404 and other_path.status_code == 404


async def test_a_token_acts_with_no_more_than_its_makers_role(
    client: httpx.AsyncClient, alice: Headers, login: Login, sessions: SessionFactory
) -> None:
    team = await make_team(client, alice)
    bob = acting_in(await login("bob@example.com"), team)
    bob_id = await add_member(sessions, team, "bob@example.com", "admin")
    write = bearer(await make_token(client, bob, team, "write"))
    await client.patch(f"{ORGS}/{team}/members/{bob_id}", json={"role": "viewer"}, headers=alice)

    response = await client.post(
        "/api/v1/monitors", json={"name": "n", "url": "https://n.example/"}, headers=write
    )

    assert response.status_code == 403 and "Viewers cannot" in response.json()["message"]


async def test_tokens_are_managed_by_admins_and_revoked_at_once(
    client: httpx.AsyncClient, alice: Headers, login: Login, sessions: SessionFactory
) -> None:
    team = await make_team(client, alice)
    editor = acting_in(await login("carol@example.com"), team)
    await add_member(sessions, team, "carol@example.com", "editor")
    created = await make_token(client, alice, team, "read")

    by_editor = await client.get(tokens_of(team), headers=editor)
    revoked = await client.delete(f"{tokens_of(team)}/{created['id']}", headers=alice)
    twice = await client.delete(f"{tokens_of(team)}/{created['id']}", headers=alice)
    used = await client.get("/api/v1/monitors", headers=bearer(created))

    assert by_editor.status_code == 403
    assert revoked.status_code == 204 and twice.status_code == 404 and used.status_code == 401


async def test_another_organizations_tokens_and_sign_in_tokens_are_not_found(
    client: httpx.AsyncClient, alice: Headers, bob: Headers
) -> None:
    team = await make_team(client, alice)
    bobs = await make_team(client, bob, name="Bob's")
    created = await make_token(client, alice, team, "write")
    sign_in = (await client.get("/api/v1/auth/tokens", headers=alice)).json()[0]["id"]

    across = await client.delete(f"{tokens_of(bobs)}/{created['id']}", headers=bob)
    listing = await client.get(tokens_of(team), headers=bob)
    not_scoped = await client.delete(f"{tokens_of(team)}/{sign_in}", headers=alice)

    assert (
        across.status_code == 404 and listing.status_code == 404 and not_scoped.status_code == 404
    )
    assert (await client.get("/api/v1/monitors", headers=bearer(created))).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{}, {"name": "x"}, {"name": "x", "scope": "admin"}, {"name": "x", "scope": "READ"},
     {"name": "", "scope": "read"}, {"name": "a\x00b", "scope": "read"},
     {"name": "x" * 101, "scope": "read"},
     {"name": "x", "scope": "read", "extra": 1}, {"name": "x", "scope": None}],
)  # fmt: skip
async def test_a_token_body_is_checked(
    client: httpx.AsyncClient, alice: Headers, body: dict[str, Any]
) -> None:
    team = await make_team(client, alice)

    response = await client.post(tokens_of(team), json=body, headers=alice)

    assert response.status_code == 422, response.text


async def test_revoking_a_token_is_in_the_audit_log_once_and_a_missing_one_not_at_all(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    team = await make_team(client, alice)
    created = await make_token(client, alice, team, "write", name="deploy")

    first = await client.delete(f"{tokens_of(team)}/{created['id']}", headers=alice)
    again = await client.delete(f"{tokens_of(team)}/{created['id']}", headers=alice)
    log = await client.get("/api/v1/audit-log", headers=acting_in(alice, team))

    assert (first.status_code, again.status_code) == (204, 404)
    entries = [(e["action"], e["object_id"], e["changes"]) for e in log.json()]
    assert [e for e in entries if e[0].startswith("api_token.")] == [
        ("api_token.delete", created["id"], {}),
        ("api_token.create", created["id"], {"name": [None, "deploy"], "scope": [None, "write"]}),
    ]
    assert created["token"] not in log.text
