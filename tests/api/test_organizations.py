"""Organizations and members through the API: the personal organization of sign-up, teams,
the organization a request acts in (X-Organization-Id, the token's, the personal one),
roles enforced with clear 403s, 404 for non-members, and the owner rules (409)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.conftest import CreateMonitor, Headers, Login
from betteruptime.db.models import Check, Membership, Monitor, User
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.services import tokens

ORGS = "/api/v1/organizations"


async def make_team(client: httpx.AsyncClient, headers: Headers, name: str = "Ops") -> int:
    response = await client.post(ORGS, json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    team: int = response.json()["id"]
    return team


async def add_member(sessions: SessionFactory, organization_id: int, email: str, role: str) -> int:
    """Make the (signed-up) user a member directly: invitations are another part."""
    async with sessions() as session, session.begin():
        user = (await session.scalars(select(User).where(User.email == email))).one()
        session.add(Membership(organization_id=organization_id, user_id=user.id, role=role))
        return user.id


def acting_in(headers: Headers, organization_id: int) -> Headers:
    return {**headers, "X-Organization-Id": str(organization_id)}


async def test_sign_up_makes_a_personal_organization_owned_by_the_new_user(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    listed = (await client.get(ORGS, headers=alice)).json()

    assert [(o["name"], o["personal"], o["role"]) for o in listed] == [
        ("alice@example.com's organization", True, "owner")
    ]


async def test_a_new_organization_has_its_creator_as_owner_and_its_own_monitors(
    client: httpx.AsyncClient, alice: Headers, create_monitor: CreateMonitor
) -> None:
    await create_monitor(alice, name="personal one")
    team = await make_team(client, alice)
    await create_monitor(acting_in(alice, team), name="team one")

    personal = (await client.get("/api/v1/monitors", headers=alice)).json()
    in_team = (await client.get("/api/v1/monitors", headers=acting_in(alice, team))).json()
    listed = (await client.get(ORGS, headers=alice)).json()

    assert [m["name"] for m in personal] == ["personal one"]
    assert [m["name"] for m in in_team] == ["team one"]
    assert [(o["name"], o["personal"], o["role"]) for o in listed][1] == ("Ops", False, "owner")


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": "   "}, {"name": "a\x00b"}, {"name": "a\nb"}, {"name": "x" * 101},
     {"name": 5}, {"name": "ok", "extra": 1}],
)  # fmt: skip
async def test_an_organization_name_is_checked(
    client: httpx.AsyncClient, alice: Headers, body: dict[str, Any]
) -> None:
    response = await client.post(ORGS, json=body, headers=alice)

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error"


@pytest.mark.parametrize("value", ["abc", "1.5", ""])
async def test_an_organization_header_that_is_not_an_integer_is_a_422(
    client: httpx.AsyncClient, alice: Headers, value: str
) -> None:
    response = await client.get("/api/v1/monitors", headers={**alice, "X-Organization-Id": value})

    assert response.status_code == 422, response.text


@pytest.mark.parametrize("value", ["0", "-3", "987654", str(2**40)])
async def test_an_organization_one_is_not_a_member_of_is_not_found(
    client: httpx.AsyncClient, alice: Headers, bob: Headers, value: str
) -> None:
    team = await make_team(client, alice)
    for headers in (acting_in(bob, team), {**bob, "X-Organization-Id": value}):
        response = await client.get("/api/v1/monitors", headers=headers)
        assert response.status_code == 404, response.text
        assert response.json()["message"] == "Organization not found."
    for path in (f"{ORGS}/{team}", f"{ORGS}/{team}/members"):
        assert (await client.get(path, headers=bob)).status_code == 404


async def test_a_token_bound_to_an_organization_acts_in_it_without_the_header(
    client: httpx.AsyncClient,
    alice: Headers,
    sessions: SessionFactory,
    create_monitor: CreateMonitor,
) -> None:
    team = await make_team(client, alice)
    await create_monitor(acting_in(alice, team), name="team one")
    async with sessions() as session:
        user = (await session.scalars(select(User))).one()
        token, _ = await tokens.issue_token(session, user=user, ttl_days=1, organization_id=team)

    listed = await client.get("/api/v1/monitors", headers={"Authorization": f"Bearer {token}"})

    assert [m["name"] for m in listed.json()] == ["team one"]


async def test_a_viewer_reads_without_secrets_and_cannot_write(
    client: httpx.AsyncClient,
    alice: Headers,
    bob: Headers,
    sessions: SessionFactory,
    create_monitor: CreateMonitor,
) -> None:
    team = await make_team(client, alice)
    await create_monitor(
        acting_in(alice, team), name="beat", kind="heartbeat", url=None, period_seconds=60
    )
    made = await client.post(
        "/api/v1/monitors",
        json={"name": "api", "url": "https://x.example/", "headers": {"Authorization": "s3cret"}},
        headers=acting_in(alice, team),
    )
    assert made.status_code == 201, made.text
    await add_member(sessions, team, "bob@example.com", "viewer")
    viewer = acting_in(bob, team)

    listed = (await client.get("/api/v1/monitors", headers=viewer)).json()
    refused = await client.post(
        "/api/v1/monitors", json={"name": "x", "url": "https://x.example/"}, headers=viewer
    )
    owner_view = (await client.get("/api/v1/monitors", headers=acting_in(alice, team))).json()

    assert [(m["name"], m["ping_url"]) for m in listed] == [("beat", None), ("api", None)]
    assert listed[1]["headers"] == {"Authorization": "***"}
    assert owner_view[0]["ping_url"].startswith("http://test/ping/")
    assert owner_view[1]["headers"] == {"Authorization": "s3cret"}
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "forbidden",
        "message": "Viewers cannot change monitors (editors and above can); ask an admin "
        "of the organization.",
    }


async def test_an_editor_changes_monitors_but_not_channels(
    client: httpx.AsyncClient, alice: Headers, bob: Headers, sessions: SessionFactory
) -> None:
    team = await make_team(client, alice)
    await add_member(sessions, team, "bob@example.com", "editor")
    editor = acting_in(bob, team)

    monitor = await client.post(
        "/api/v1/monitors", json={"name": "x", "url": "https://x.example/"}, headers=editor
    )
    channel = await client.post(
        "/api/v1/channels", json={"name": "c", "url": "json://h.example/"}, headers=editor
    )

    assert monitor.status_code == 201, monitor.text
    assert channel.status_code == 403
    assert "editors cannot change channels" in channel.json()["message"].lower()


async def test_members_are_listed_with_their_roles_to_any_member(
    client: httpx.AsyncClient, alice: Headers, bob: Headers, sessions: SessionFactory
) -> None:
    team = await make_team(client, alice)
    bob_id = await add_member(sessions, team, "bob@example.com", "viewer")

    members = (await client.get(f"{ORGS}/{team}/members", headers=bob)).json()

    assert members == [
        {"user_id": 1, "email": "alice@example.com", "role": "owner"},
        {"user_id": bob_id, "email": "bob@example.com", "role": "viewer"},
    ]


async def test_admins_change_roles_and_only_owners_make_owners(
    client: httpx.AsyncClient, login: Login, alice: Headers, sessions: SessionFactory
) -> None:
    team = await make_team(client, alice)
    carol = await login("carol@example.com")
    dave = await login("dave@example.com")
    await add_member(sessions, team, "carol@example.com", "admin")
    dave_id = await add_member(sessions, team, "dave@example.com", "viewer")
    member = f"{ORGS}/{team}/members/{dave_id}"

    promoted = await client.patch(member, json={"role": "editor"}, headers=carol)
    to_owner = await client.patch(member, json={"role": "owner"}, headers=carol)
    by_viewer = await client.patch(member, json={"role": "admin"}, headers=dave)
    by_owner = await client.patch(member, json={"role": "owner"}, headers=alice)
    bad_role = await client.patch(member, json={"role": "boss"}, headers=alice)

    assert promoted.status_code == 200, promoted.text
    assert promoted.json() == {"user_id": dave_id, "email": "dave@example.com", "role": "editor"}
    assert to_owner.status_code == 403
    assert "only owners can" in to_owner.json()["message"]
    assert by_viewer.status_code == 403
    assert by_owner.json()["role"] == "owner"
    assert bad_role.status_code == 422


async def test_the_last_owner_can_neither_leave_nor_be_demoted(
    client: httpx.AsyncClient, alice: Headers, bob: Headers, sessions: SessionFactory
) -> None:
    team = await make_team(client, alice)
    bob_id = await add_member(sessions, team, "bob@example.com", "owner")
    alice_member = f"{ORGS}/{team}/members/1"

    assert (await client.delete(alice_member, headers=alice)).status_code == 204  # two owners
    demoted = await client.patch(
        f"{ORGS}/{team}/members/{bob_id}", json={"role": "admin"}, headers=bob
    )
    left = await client.delete(f"{ORGS}/{team}/members/{bob_id}", headers=bob)

    assert demoted.status_code == 409
    assert demoted.json()["error"] == "last_owner"
    assert left.status_code == 409
    assert (await client.get(ORGS, headers=alice)).json()[0]["personal"] is True
    assert len((await client.get(ORGS, headers=alice)).json()) == 1


async def test_a_member_leaves_but_cannot_remove_others_without_managing_members(
    client: httpx.AsyncClient, login: Login, alice: Headers, bob: Headers, sessions: SessionFactory
) -> None:
    team = await make_team(client, alice)
    await login("carol@example.com")
    bob_id = await add_member(sessions, team, "bob@example.com", "editor")
    carol_id = await add_member(sessions, team, "carol@example.com", "viewer")

    removing = await client.delete(f"{ORGS}/{team}/members/{carol_id}", headers=bob)
    leaving = await client.delete(f"{ORGS}/{team}/members/{bob_id}", headers=bob)
    after = await client.get(f"{ORGS}/{team}/members", headers=bob)

    assert removing.status_code == 403
    assert leaving.status_code == 204
    assert after.status_code == 404


async def test_renaming_needs_an_admin_and_deleting_an_owner(
    client: httpx.AsyncClient, alice: Headers, bob: Headers, sessions: SessionFactory
) -> None:
    team = await make_team(client, alice)
    await add_member(sessions, team, "bob@example.com", "admin")

    renamed = await client.patch(f"{ORGS}/{team}", json={"name": "SRE"}, headers=bob)
    deleted = await client.delete(f"{ORGS}/{team}", headers=bob)

    assert renamed.status_code == 200
    assert renamed.json()["name"] == "SRE"
    assert renamed.json()["role"] == "admin"
    assert deleted.status_code == 403
    assert "only owners can" in deleted.json()["message"]


async def test_deleting_an_organization_deletes_its_rows_and_a_personal_one_cannot_go(
    client: httpx.AsyncClient,
    alice: Headers,
    sessions: SessionFactory,
    create_monitor: CreateMonitor,
) -> None:
    team = await make_team(client, alice)
    kept = await create_monitor(alice, name="personal")
    doomed = await create_monitor(acting_in(alice, team), name="team")
    async with sessions() as session, session.begin():
        for monitor in (kept, doomed):
            session.add(Check(monitor_id=monitor["id"], due_at=utcnow(), region="r",
                              checked_at=utcnow(), up=True))  # fmt: skip
    personal = (await client.get(ORGS, headers=alice)).json()[0]["id"]

    refused = await client.delete(f"{ORGS}/{personal}", headers=alice)
    deleted = await client.delete(f"{ORGS}/{team}", headers=alice)

    assert refused.status_code == 409
    assert refused.json()["error"] == "personal_organization"
    assert deleted.status_code == 204
    async with sessions() as session:
        monitors = list(await session.scalars(select(Monitor.name)))
        checks = await session.scalar(select(func.count()).select_from(Check))
    assert monitors == ["personal"]
    assert checks == 1
    assert (await client.get(f"{ORGS}/{team}", headers=alice)).status_code == 404
