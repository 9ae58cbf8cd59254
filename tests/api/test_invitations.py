"""Invitations through the API: made by admins (owners only for owners), mailed through
the product's mail when it is configured, listed and revoked, accepted once within 7 days
by whoever is signed in with the link; only the link token's hash is stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from api.conftest import Headers, Login
from api.test_organizations import acting_in, add_member, make_team
from betteruptime.db.models import Invitation, Membership
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.mail.mailer import MailError, RecordingMailer

ORGS = "/api/v1/organizations"


def invitations(team: int) -> str:
    return f"{ORGS}/{team}/invitations"


async def invite(
    client: httpx.AsyncClient, headers: Headers, team: int, email: str, role: str = "viewer"
) -> dict[str, Any]:
    response = await client.post(
        invitations(team), json={"email": email, "role": role}, headers=headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def token_of(created: dict[str, Any]) -> str:
    url: str = created["accept_url"]
    assert url.startswith("http://test/invitations/")
    return url.rsplit("/", 1)[1]


async def accept(client: httpx.AsyncClient, headers: Headers, token: str) -> httpx.Response:
    return await client.post(f"/api/v1/invitations/{token}/accept", headers=headers)


async def test_an_invitation_accepted_makes_a_member_with_its_role_once(
    client: httpx.AsyncClient, alice: Headers, login: Login, sessions: SessionFactory
) -> None:
    team = await make_team(client, alice)
    created = await invite(client, alice, team, "Carol@Example.com")
    carol = await login("someone-else@example.com")  # any email: the link is the proof

    accepted = await accept(client, carol, token_of(created))
    again = await accept(client, carol, token_of(created))
    members = (await client.get(f"{ORGS}/{team}/members", headers=alice)).json()
    async with sessions() as session:
        stored = (await session.scalars(select(Invitation))).one()

    assert created["email"] == "carol@example.com" and created["role"] == "viewer"
    assert set(created) == {
        "id",
        "email",
        "role",
        "expires_at",
        "created_at",
        "accept_url",
        "mail_sent",
    }
    assert created["mail_sent"] is False  # no SMTP configured: the link is the way
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {
        "organization_id": team,
        "organization_name": "Ops",
        "role": "viewer",
    }
    assert again.status_code == 410 and "already used" in again.json()["message"]
    assert ("someone-else@example.com", "viewer") in [(m["email"], m["role"]) for m in members]
    assert token_of(created) not in stored.token_hash and len(stored.token_hash) == 64
    listed = (await client.get(invitations(team), headers=alice)).json()
    assert listed == []  # used: no longer pending


async def test_an_invitation_is_mailed_when_mail_is_configured(
    app: FastAPI, client: httpx.AsyncClient, alice: Headers
) -> None:
    mailer = RecordingMailer()
    app.state.mailer = mailer
    team = await make_team(client, alice, name="Acme <b>")

    created = await invite(client, alice, team, "dave@example.com", role="editor")

    assert created["mail_sent"] is True
    (message,) = mailer.sent
    assert message.to == "dave@example.com"
    assert (
        message.subject
        == "alice@example.com invited you to join Acme <b> on BetterUptime as editor"
    )
    assert created["accept_url"] in message.text
    assert "Acme &lt;b&gt;" in (message.html or "")


async def test_a_refused_mail_does_not_fail_the_invitation_nor_log_the_link(
    app: FastAPI, client: httpx.AsyncClient, alice: Headers, caplog: pytest.LogCaptureFixture
) -> None:
    app.state.mailer = RecordingMailer(
        failure=MailError("smtp.example.com refused", permanent=True)
    )
    team = await make_team(client, alice)

    created = await invite(client, alice, team, "dave@example.com")

    assert created["mail_sent"] is False
    assert "invitation_mail_failed" in caplog.text
    assert token_of(created) not in caplog.text


async def test_pending_invitations_are_listed_without_links_and_revoked(
    client: httpx.AsyncClient, alice: Headers, bob: Headers
) -> None:
    team = await make_team(client, alice)
    first = await invite(client, alice, team, "a@example.com")
    await invite(client, alice, team, "b@example.com", role="admin")

    listed = (await client.get(invitations(team), headers=alice)).json()
    revoked = await client.delete(f"{invitations(team)}/{first['id']}", headers=alice)
    twice = await client.delete(f"{invitations(team)}/{first['id']}", headers=alice)
    refused = await accept(client, bob, token_of(first))
    after = (await client.get(invitations(team), headers=alice)).json()

    assert [(i["email"], i["role"]) for i in listed] == [
        ("a@example.com", "viewer"),
        ("b@example.com", "admin"),
    ]
    assert all("accept_url" not in i and "token" not in str(i) for i in listed)
    assert revoked.status_code == 204 and twice.status_code == 404
    assert refused.status_code == 404 and "revoked" in refused.json()["message"]
    assert [i["email"] for i in after] == ["b@example.com"]


async def test_an_expired_invitation_is_gone(
    client: httpx.AsyncClient, alice: Headers, bob: Headers, sessions: SessionFactory
) -> None:
    team = await make_team(client, alice)
    created = await invite(client, alice, team, "bob@example.com")
    async with sessions() as session, session.begin():
        await session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))

    response = await accept(client, bob, token_of(created))

    assert response.status_code == 410 and "expired" in response.json()["message"]
    assert (await client.get(invitations(team), headers=alice)).json() == []


async def test_a_member_keeps_the_higher_role(
    client: httpx.AsyncClient, alice: Headers, bob: Headers, sessions: SessionFactory
) -> None:
    team = await make_team(client, alice)
    bob_id = await add_member(sessions, team, "bob@example.com", "editor")
    lower = await invite(client, alice, team, "bob@example.com", role="viewer")
    higher = await invite(client, alice, team, "bob@example.com", role="admin")

    kept = (await accept(client, bob, token_of(lower))).json()
    raised = (await accept(client, bob, token_of(higher))).json()
    async with sessions() as session:
        membership = await session.get(Membership, (team, bob_id))

    assert kept["role"] == "editor" and raised["role"] == "admin"
    assert membership is not None and membership.role == "admin"


async def test_who_may_invite_whom(
    client: httpx.AsyncClient, alice: Headers, login: Login, sessions: SessionFactory
) -> None:
    team = await make_team(client, alice)
    roles = {}
    for role in ("admin", "editor", "viewer"):
        email = f"{role}@example.com"
        roles[role] = acting_in(await login(email), team)
        await add_member(sessions, team, email, role)
    body = {"email": "x@example.com", "role": "viewer"}

    by_admin = await client.post(invitations(team), json=body, headers=roles["admin"])
    owner_by_admin = await client.post(
        invitations(team), json={**body, "role": "owner"}, headers=roles["admin"]
    )
    owner_by_owner = await client.post(
        invitations(team), json={**body, "role": "owner"}, headers=alice
    )
    by_editor = await client.post(invitations(team), json=body, headers=roles["editor"])
    list_by_viewer = await client.get(invitations(team), headers=roles["viewer"])

    assert by_admin.status_code == 201
    assert owner_by_admin.status_code == 403 and "owner" in owner_by_admin.json()["message"]
    assert owner_by_owner.status_code == 201
    assert by_editor.status_code == 403 and list_by_viewer.status_code == 403


async def test_another_organizations_invitations_are_not_found(
    client: httpx.AsyncClient, alice: Headers, bob: Headers
) -> None:
    team = await make_team(client, alice)
    bobs = await make_team(client, bob, name="Bob's")
    created = await invite(client, alice, team, "x@example.com")

    listing = await client.get(invitations(team), headers=bob)
    revoking = await client.delete(f"{invitations(bobs)}/{created['id']}", headers=bob)
    still = (await client.get(invitations(team), headers=alice)).json()

    assert listing.status_code == 404 and revoking.status_code == 404
    assert [i["id"] for i in still] == [created["id"]]


@pytest.mark.parametrize(
    "body",
    [{}, {"email": "x@example.com"}, {"email": "x@example.com", "role": "boss"},
     {"email": "x@example.com", "role": "Owner"}, {"email": "not-an-email", "role": "viewer"},
     {"email": "a\x00b@example.com", "role": "viewer"},
     {"email": "x@example.com", "role": "viewer\x00"},
     {"email": "x" * 300 + "@example.com", "role": "viewer"}, {"email": 5, "role": "viewer"},
     {"email": "x@example.com", "role": "viewer", "extra": 1}],
)  # fmt: skip
async def test_an_invitation_body_is_checked(
    client: httpx.AsyncClient, alice: Headers, body: dict[str, Any]
) -> None:
    team = await make_team(client, alice)

    response = await client.post(invitations(team), json=body, headers=alice)

    assert response.status_code == 422, response.text


@pytest.mark.parametrize("token", ["x", "%00", "a" * 5000, "-1", "..%2F..%2Fetc"])
async def test_a_wrong_link_is_not_found(
    client: httpx.AsyncClient, bob: Headers, token: str
) -> None:
    response = await accept(client, bob, token)

    assert response.status_code in (404, 422), response.text


async def test_a_huge_body_is_refused(client: httpx.AsyncClient, alice: Headers) -> None:
    team = await make_team(client, alice)

    response = await client.post(
        invitations(team),
        content=b'{"email": "' + b"x" * 5_000_000 + b'"}',
        headers={**alice, "Content-Type": "application/json"},
    )

    assert response.status_code == 413


async def test_accepting_needs_a_sign_in(client: httpx.AsyncClient, alice: Headers) -> None:
    team = await make_team(client, alice)
    created = await invite(client, alice, team, "x@example.com")

    response = await client.post(f"/api/v1/invitations/{token_of(created)}/accept")

    assert response.status_code == 401


async def test_inviting_accepting_and_revoking_are_in_the_audit_log_by_who_did_them(
    client: httpx.AsyncClient, alice: Headers, bob: Headers
) -> None:
    team = await make_team(client, alice)
    accepted = await invite(client, alice, team, "bob@example.com", "editor")
    revoked = await invite(client, alice, team, "carol@example.com", "viewer")
    assert (await accept(client, bob, token_of(accepted))).status_code == 200
    gone = await client.delete(f"{invitations(team)}/{revoked['id']}", headers=alice)
    missing = await client.delete(f"{invitations(team)}/{revoked['id']}", headers=alice)

    log = await client.get("/api/v1/audit-log", headers=acting_in(alice, team))

    assert (gone.status_code, missing.status_code) == (204, 404)
    entries = [
        (e["action"], e["actor_name"], e["object_id"])
        for e in log.json()
        if e["object_type"] == "invitation"
    ]
    assert entries == [
        ("invitation.delete", "alice@example.com", revoked["id"]),
        ("invitation.accept", "bob@example.com", accepted["id"]),
        ("invitation.create", "alice@example.com", revoked["id"]),
        ("invitation.create", "alice@example.com", accepted["id"]),
    ]
    assert token_of(accepted) not in log.text
