"""The audit log through the API: each change recorded with its actor and masked
secrets, in the change's transaction; read by admins and owners, filtered, newest first."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.conftest import CreateMonitor, Headers, Login
from api.test_organizations import acting_in, add_member, make_team
from betteruptime.api.access import RequestContext
from betteruptime.db.models import User
from betteruptime.db.session import SessionFactory
from betteruptime.domain.audit import Actor

AUDIT = "/api/v1/audit-log"
WEBHOOK = "json://hooks.example.com/secret-path?token=s3cr3t"


async def entries(client: httpx.AsyncClient, headers: Headers, **params: Any) -> list[Any]:
    response = await client.get(AUDIT, params=params, headers=headers)
    assert response.status_code == 200, response.text
    listed: list[Any] = response.json()
    return listed


async def test_monitor_changes_are_recorded_with_the_user_and_the_changed_fields(
    client: httpx.AsyncClient, alice: Headers, create_monitor: CreateMonitor
) -> None:
    body = {"name": "Shop", "url": "https://example.com/", "headers": {"Authorization": "Bearer x"}}
    created = await client.post("/api/v1/monitors", json=body, headers=alice)
    assert created.status_code == 201, created.text
    monitor = created.json()
    url = f"/api/v1/monitors/{monitor['id']}"
    await client.patch(url, json={"name": "Shop EU", "interval_seconds": 120}, headers=alice)
    await client.post(f"{url}/pause", headers=alice)
    await client.post(f"{url}/resume", headers=alice)
    await client.delete(url, headers=alice)

    listed = await entries(client, alice, object_type="monitor")

    assert [e["action"] for e in listed] == [
        "monitor.delete",
        "monitor.resume",
        "monitor.pause",
        "monitor.update",
        "monitor.create",
    ]
    assert {(e["actor_type"], e["actor_name"], e["object_id"]) for e in listed} == {
        ("user", "alice@example.com", monitor["id"])
    }
    update, create = listed[3], listed[4]
    assert update["changes"] == {"interval_seconds": [60, 120], "name": ["Shop", "Shop EU"]}
    assert create["changes"]["name"] == [None, "Shop"]
    assert create["changes"]["headers"] == [None, {"Authorization": "***"}]
    assert "Bearer x" not in str(listed)


async def test_a_channel_url_is_never_written_down(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    created = await client.post(
        "/api/v1/channels", json={"name": "Ops", "url": WEBHOOK}, headers=alice
    )
    assert created.status_code == 201, created.text
    await client.delete(f"/api/v1/channels/{created.json()['id']}", headers=alice)

    listed = await entries(client, alice, action="channel.*")

    assert [e["action"] for e in listed] == ["channel.delete", "channel.create"]
    assert listed[1]["changes"] == {"name": [None, "Ops"], "url": [None, "***"]}
    assert "s3cr3t" not in str(listed) and "secret-path" not in str(listed)


async def test_a_change_that_fails_leaves_no_entry(
    client: httpx.AsyncClient, alice: Headers, create_monitor: CreateMonitor
) -> None:
    monitor = await create_monitor(alice)
    # A channel id that is not the organization's: refused after the checks began.
    response = await client.patch(
        f"/api/v1/monitors/{monitor['id']}", json={"name": "x", "channel_ids": [999]}, headers=alice
    )
    assert response.status_code in (404, 422), response.text

    listed = await entries(client, alice, object_type="monitor")
    assert [e["action"] for e in listed] == ["monitor.create"]


async def test_only_admins_and_owners_read_it_and_only_their_organizations(
    client: httpx.AsyncClient, alice: Headers, login: Login, sessions: SessionFactory
) -> None:
    team = await make_team(client, alice)
    roles = {"admin": 200, "editor": 403, "viewer": 403}
    for role, expected in roles.items():
        headers = await login(f"{role}@example.com")
        await add_member(sessions, team, f"{role}@example.com", role)
        response = await client.get(AUDIT, headers=acting_in(headers, team))
        assert response.status_code == expected, (role, response.text)
    bob = await login("bob@example.com")
    assert (await client.get(AUDIT, headers=acting_in(bob, team))).status_code == 404
    assert (await client.get(AUDIT, headers=alice)).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"action": "Monitor.create"},
        {"action": "monitor"},
        {"object_type": "monitor;drop"},
        {"since": "yesterday"},
        {"since": "12"},
        {"limit": "0"},
        {"limit": "501"},
        {"actor": "a\x01b"},
    ],
)
async def test_bad_filters_are_a_422(
    client: httpx.AsyncClient, alice: Headers, params: dict[str, str]
) -> None:
    response = await client.get(AUDIT, params=params, headers=alice)

    assert response.status_code == 422, response.text


async def test_filters_select_by_action_family_actor_and_time(
    client: httpx.AsyncClient, alice: Headers, create_monitor: CreateMonitor
) -> None:
    await create_monitor(alice, name="one")
    first = (await entries(client, alice, action="monitor.create"))[0]
    await create_monitor(alice, name="two")

    assert len(await entries(client, alice, action="monitor.create")) == 2
    assert len(await entries(client, alice, actor="ALICE@example.com")) == 3  # and sign-in
    assert await entries(client, alice, actor="bob@example.com") == []
    assert len(await entries(client, alice, since=first["at"])) == 2  # after the sign-in
    assert len(await entries(client, alice, since="2999-01-01T00:00:00Z")) == 0
    assert len(await entries(client, alice, limit=1)) == 1


def test_an_organizations_api_token_is_the_actor_by_its_name_a_sign_in_token_the_user() -> None:
    user = User(id=3, email="alice@example.com", password_hash="x")
    scoped = RequestContext(user, 1, "admin", token_name="deploy bot", token_scope="write")
    signed_in = RequestContext(user, 1, "admin", token_name="laptop")

    assert scoped.audit_actor(9) == Actor("token", 9, "deploy bot")
    assert signed_in.audit_actor(9) == Actor("user", 3, "alice@example.com")
