"""Every kind of change reaches the audit log with its actor: status pages, maintenance
windows, organizations and members, and the account's sign-ins and security changes
(in the user's personal organization)."""

from __future__ import annotations

import httpx

from api.conftest import PASSWORD, Headers, Login
from api.test_audit_log import entries
from api.test_maintenance_windows import create, recurring
from api.test_organizations import ORGS, acting_in, add_member, make_team
from api.test_totp import DISABLE, _code, _enable, _sign_in, _wrong
from betteruptime.db.session import SessionFactory

PAGES = "/api/v1/status-pages"


def summary(listed: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(e["action"], e["actor_name"], e["changes"]) for e in reversed(listed)]


async def test_status_page_changes_are_recorded(client: httpx.AsyncClient, alice: Headers) -> None:
    page = await client.post(PAGES, json={"slug": "acme", "title": "Acme"}, headers=alice)
    url = f"{PAGES}/{page.json()['id']}"
    await client.patch(url, json={"title": "Acme Inc."}, headers=alice)
    await client.delete(url, headers=alice)

    assert summary(await entries(client, alice, object_type="status_page")) == [
        (
            "status_page.create",
            "alice@example.com",
            {"slug": [None, "acme"], "title": [None, "Acme"]},
        ),
        ("status_page.update", "alice@example.com", {"title": ["Acme", "Acme Inc."]}),
        ("status_page.delete", "alice@example.com", {"slug": ["acme", None]}),
    ]


async def test_maintenance_window_changes_are_recorded(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    window = await create(client, alice, recurring())
    url = f"/api/v1/maintenance-windows/{window['id']}"
    await client.patch(url, json={"name": "v2"}, headers=alice)
    await client.delete(url, headers=alice)

    listed = summary(await entries(client, alice, action="maintenance_window.*"))

    assert [action for action, _, _ in listed] == [
        "maintenance_window.create",
        "maintenance_window.update",
        "maintenance_window.delete",
    ]
    assert listed[0][2]["name"] == [None, "Sunday backups"]  # type: ignore[index]
    assert listed[1][2] == {"name": ["Sunday backups", "v2"]}


async def test_organization_and_member_changes_are_recorded(
    client: httpx.AsyncClient, alice: Headers, login: Login, sessions: SessionFactory
) -> None:
    team = await make_team(client, alice, "Ops")
    await login("bob@example.com")
    bob_id = await add_member(sessions, team, "bob@example.com", "viewer")
    as_team = acting_in(alice, team)
    await client.patch(f"{ORGS}/{team}", json={"name": "Ops EU"}, headers=alice)
    await client.patch(f"{ORGS}/{team}/members/{bob_id}", json={"role": "editor"}, headers=alice)
    await client.delete(f"{ORGS}/{team}/members/{bob_id}", headers=alice)

    listed = await entries(client, as_team)
    assert summary(listed) == [
        ("organization.create", "alice@example.com", {"name": [None, "Ops"]}),
        ("organization.update", "alice@example.com", {"name": ["Ops", "Ops EU"]}),
        ("member.update", "alice@example.com", {"role": ["viewer", "editor"]}),
        ("member.delete", "alice@example.com", {"role": ["editor", None]}),
    ]
    assert listed[0]["object_id"] == bob_id

    await client.delete(f"{ORGS}/{team}", headers=alice)
    deleted = await entries(client, alice, action="organization.delete")
    assert [(e["object_id"], e["changes"]) for e in deleted] == [(team, {"name": ["Ops EU", None]})]


async def test_sign_ins_and_account_changes_go_to_the_personal_organization(
    client: httpx.AsyncClient, login: Login
) -> None:
    alice = await login("alice@example.com")
    wrong = {"email": "alice@example.com", "password": "not the password"}
    assert (await client.post("/api/v1/auth/token", json=wrong)).status_code == 401
    changed = await client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "another long password"},
        headers=alice,
    )
    assert changed.status_code == 200, changed.text
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}

    listed = summary(await entries(client, fresh, object_type="user"))

    assert listed == [
        ("auth.sign_in", "alice@example.com", {"via": [None, "api"]}),
        ("auth.sign_in_failed", "alice@example.com", {"reason": [None, "password"]}),
        ("auth.password_changed", "alice@example.com", {}),
    ]
    assert "not the password" not in str(listed)


async def test_two_factor_changes_and_a_wrong_code_are_recorded(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    secret = await _enable(client, alice)
    wrong = await _sign_in(client, totp_code=_wrong(_code(secret)))
    assert wrong.status_code == 401
    disabled = await client.post(
        DISABLE, json={"password": PASSWORD, "code": _code(secret)}, headers=alice
    )
    assert disabled.status_code == 200, disabled.text

    listed = summary(await entries(client, alice, action="auth.*"))

    assert [(action, changes) for action, _, changes in listed] == [
        ("auth.sign_in", {"via": [None, "api"]}),
        ("auth.two_factor_enabled", {}),
        ("auth.sign_in_failed", {"reason": [None, "two_factor_code"]}),
        ("auth.two_factor_disabled", {}),
    ]
    assert secret not in str(listed)
