"""The dashboard's organizations: the switcher (kept in the session, only to one's own
organizations), the Organization page (members, role changes by admins), the form that
makes a new one, write controls hidden from viewers, and a removed member falling back to
their personal organization."""

from __future__ import annotations

import httpx
from sqlalchemy import delete, select

from api.conftest import CreateMonitor, Headers
from betteruptime.db.models import Membership, User
from betteruptime.db.session import SessionFactory
from web.conftest import OpenBrowser, csrf_token, post_form


async def _team(client: httpx.AsyncClient, owner: Headers, name: str = "Ops") -> int:
    made = await client.post("/api/v1/organizations", json={"name": name}, headers=owner)
    assert made.status_code == 201, made.text
    team: int = made.json()["id"]
    return team


async def _join(sessions: SessionFactory, team: int, email: str, role: str) -> int:
    async with sessions() as session, session.begin():
        user = (await session.scalars(select(User).where(User.email == email))).one()
        session.add(Membership(organization_id=team, user_id=user.id, role=role))
        return user.id


async def _switch(browser: httpx.AsyncClient, team: int) -> httpx.Response:
    return await post_form(browser, "/account", "/organizations/switch", organization_id=str(team))


async def test_the_switcher_shows_the_chosen_organizations_monitors(
    client: httpx.AsyncClient,
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
) -> None:
    browser = await open_browser("alice@example.com")
    alone = (await browser.get("/")).text
    team = await _team(client, alice)
    await create_monitor(alice, name="Personal blog")
    await create_monitor({**alice, "X-Organization-Id": str(team)}, name="Team API")

    before = (await browser.get("/")).text
    switched = await _switch(browser, team)
    after = (await browser.get("/")).text

    assert 'id="organization-switch"' not in alone  # one organization: no switcher
    assert 'id="organization-switch"' in before
    assert "Personal blog" in before and "Team API" not in before
    assert switched.status_code == 303
    assert "Team API" in after and "Personal blog" not in after
    assert f'<option value="{team}" selected>Ops (owner)</option>' in after


async def test_one_cannot_switch_to_an_organization_one_is_not_in(
    client: httpx.AsyncClient, open_browser: OpenBrowser, alice: Headers
) -> None:
    team = await _team(client, alice)
    browser = await open_browser("bob@example.com")

    for chosen in (str(team), "0", "x", "99999999999"):
        answer = await post_form(
            browser, "/account", "/organizations/switch", organization_id=chosen
        )
        assert answer.status_code == 404, chosen


async def test_a_new_organization_is_made_with_the_form_and_shown_at_once(
    open_browser: OpenBrowser,
) -> None:
    browser = await open_browser("alice@example.com")

    made = await post_form(browser, "/organization", "/organizations/new", name="  SRE  ")
    page = (await browser.get("/organization")).text
    refused = await post_form(browser, "/organization", "/organizations/new", name=" ")

    assert made.status_code == 303 and made.headers["location"] == "/organization"
    assert "<h1>SRE</h1>" in page and "You are owner here" in page
    assert refused.status_code == 422
    assert 'id="org-name-error"' in refused.text


async def test_an_admin_changes_a_role_and_a_viewer_sees_no_write_controls(
    client: httpx.AsyncClient,
    open_browser: OpenBrowser,
    alice: Headers,
    sessions: SessionFactory,
    create_monitor: CreateMonitor,
) -> None:
    team = await _team(client, alice)
    monitor = await create_monitor({**alice, "X-Organization-Id": str(team)}, name="Team API")
    viewer = await open_browser("dave@example.com")
    admin = await open_browser("bob@example.com")
    dave = await _join(sessions, team, "dave@example.com", "viewer")
    await _join(sessions, team, "bob@example.com", "admin")
    await _switch(viewer, team)
    await _switch(admin, team)

    overview = (await viewer.get("/")).text
    monitor_page = (await viewer.get(f"/monitors/{monitor['id']}")).text
    members = (await viewer.get("/organization")).text
    pause = await post_form(viewer, "/account", f"/monitors/{monitor['id']}/pause")
    to_owner = await post_form(
        admin, "/organization", f"/organization/members/{dave}/role", role="owner"
    )
    promoted = await post_form(
        admin, "/organization", f"/organization/members/{dave}/role", role="editor"
    )
    after = (await viewer.get("/")).text

    assert "Team API" in overview and "New monitor" not in overview
    assert "/pause" not in monitor_page and "/edit" not in monitor_page
    assert "Change role" not in members and "dave@example.com" in members
    assert pause.status_code == 403 and "Viewers cannot change monitors" in pause.text
    assert to_owner.status_code == 403 and "only owners can" in to_owner.text
    assert promoted.status_code == 303
    assert "New monitor" in after


async def test_a_removed_member_is_back_in_their_personal_organization(
    client: httpx.AsyncClient,
    open_browser: OpenBrowser,
    alice: Headers,
    sessions: SessionFactory,
    create_monitor: CreateMonitor,
) -> None:
    team = await _team(client, alice)
    await create_monitor({**alice, "X-Organization-Id": str(team)}, name="Team API")
    browser = await open_browser("bob@example.com")
    bob = await _join(sessions, team, "bob@example.com", "editor")
    await _switch(browser, team)
    assert "Team API" in (await browser.get("/")).text
    async with sessions() as session, session.begin():
        await session.execute(
            delete(Membership).where(Membership.user_id == bob, Membership.organization_id == team)
        )

    page = await browser.get("/")

    assert page.status_code == 200
    assert "Team API" not in page.text


async def test_an_organizations_name_is_escaped_in_the_switcher_and_its_page(
    client: httpx.AsyncClient, open_browser: OpenBrowser, alice: Headers
) -> None:
    browser = await open_browser("alice@example.com")
    team = await _team(client, alice, name="<script>alert(1)</script>")
    await _switch(browser, team)

    page = (await browser.get("/organization")).text

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert csrf_token(page)
