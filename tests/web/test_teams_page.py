"""The dashboard's invitations and API tokens: the Organization page's invite form (the
link shown once, mailed when mail is configured), pending invitations revoked, API tokens
made (shown once), listed and revoked, all hidden from editors; the invitation link's page
for a stranger (sign up, come back, accept) and for a signed-in user."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from api.conftest import PASSWORD, CreateMonitor, Headers
from betteruptime.mail.mailer import RecordingMailer
from web.conftest import OpenBrowser, csrf_token, post_form

_LINK = re.compile(r"http://test(/invitations/[A-Za-z0-9_-]+)")
_TOKEN = re.compile(r'<code class="code secret">(bu_[A-Za-z0-9_-]+)</code>')


async def _team(client: httpx.AsyncClient, owner: Headers) -> int:
    made = await client.post("/api/v1/organizations", json={"name": "Ops <b>"}, headers=owner)
    team: int = made.json()["id"]
    return team


async def _switched(open_browser: OpenBrowser, email: str, team: int) -> httpx.AsyncClient:
    browser = await open_browser(email)
    switched = await post_form(
        browser, "/account", "/organizations/switch", organization_id=str(team)
    )
    assert switched.status_code == 303
    return browser


async def test_an_owner_invites_and_a_stranger_signs_up_from_the_link_and_accepts(
    app: FastAPI,
    client: httpx.AsyncClient,
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
) -> None:
    mailer = RecordingMailer()
    app.state.mailer = mailer
    team = await _team(client, alice)
    await create_monitor({**alice, "X-Organization-Id": str(team)}, name="Team API")
    owner = await _switched(open_browser, "alice@example.com", team)

    invited = await post_form(
        owner, "/organization", "/organization/invitations", email="dana@example.com", role="viewer"
    )
    link = _LINK.search(invited.text)
    assert invited.status_code == 201 and link is not None, invited.text
    assert "e-mailed to them" in invited.text and link.group(0) in mailer.sent[0].text
    listed = (await owner.get("/organization")).text
    assert 'data-invitation="dana@example.com"' in listed and link.group(1) not in listed

    stranger = await open_browser(None)
    page = await stranger.get(link.group(1))
    assert page.status_code == 200
    assert "alice@example.com</strong> invited you to join <strong>Ops &lt;b&gt;" in page.text
    signup = await stranger.get(f"/signup?next={link.group(1)}")
    signed_up = await stranger.post(
        "/signup",
        data={
            "csrf_token": csrf_token(signup.text),
            "email": "dana@example.com",
            "password": PASSWORD,
            "next": link.group(1),
        },
    )
    assert signed_up.status_code == 303 and signed_up.headers["location"] == link.group(1)
    back = await stranger.get(link.group(1))
    assert "Accept the invitation" in back.text
    accepted = await stranger.post(
        f"{link.group(1)}/accept", data={"csrf_token": csrf_token(back.text)}
    )
    overview = (await stranger.get("/")).text
    again = await stranger.get(link.group(1))

    assert accepted.status_code == 303
    assert "You joined Ops &lt;b&gt; as viewer." in overview and "Team API" in overview
    assert again.status_code == 410 and "already used" in again.text


async def test_invitations_are_revoked_and_a_wrong_link_is_not_found(
    client: httpx.AsyncClient, open_browser: OpenBrowser, alice: Headers
) -> None:
    team = await _team(client, alice)
    owner = await _switched(open_browser, "alice@example.com", team)
    invited = await post_form(
        owner, "/organization", "/organization/invitations", email="x@example.com", role="editor"
    )
    link = _LINK.search(invited.text)
    assert link is not None and "not e-mailed" in invited.text  # no mail configured
    listing = await client.get(f"/api/v1/organizations/{team}/invitations", headers=alice)
    invitation_id = listing.json()[0]["id"]

    revoked = await post_form(
        owner, "/organization", f"/organization/invitations/{invitation_id}/delete"
    )
    gone = await owner.get(link.group(1))
    wrong = await owner.get("/invitations/nope")

    assert revoked.status_code == 303
    assert gone.status_code == 404 and wrong.status_code == 404


async def test_bad_invitation_and_token_forms_say_what_is_wrong(
    client: httpx.AsyncClient, open_browser: OpenBrowser, alice: Headers
) -> None:
    team = await _team(client, alice)
    owner = await _switched(open_browser, "alice@example.com", team)

    email = await post_form(
        owner, "/organization", "/organization/invitations", email="nope", role="viewer"
    )
    role = await post_form(
        owner, "/organization", "/organization/invitations", email="a@example.com", role="boss"
    )
    name = await post_form(
        owner, "/organization", "/organization/api-tokens", name="", scope="read"
    )
    nul = await post_form(
        owner, "/organization", "/organization/api-tokens", name="a\x00b", scope="read"
    )

    assert email.status_code == 422 and 'id="invite-email-error"' in email.text
    assert role.status_code == 422
    assert name.status_code == 422 and 'id="token-name-error"' in name.text
    assert nul.status_code == 422


async def test_api_tokens_are_shown_once_listed_and_revoked(
    client: httpx.AsyncClient, open_browser: OpenBrowser, alice: Headers
) -> None:
    team = await _team(client, alice)
    owner = await _switched(open_browser, "alice@example.com", team)

    made = await post_form(
        owner, "/organization", "/organization/api-tokens", name="grafana", scope="read"
    )
    token = _TOKEN.search(made.text)
    assert made.status_code == 201 and token is not None
    bearer = {"Authorization": f"Bearer {token.group(1)}"}
    listed = (await owner.get("/organization")).text
    reads = await client.get("/api/v1/monitors", headers=bearer)
    token_id = (await client.get(f"/api/v1/organizations/{team}/api-tokens", headers=alice)).json()
    revoked = await post_form(
        owner, "/organization", f"/organization/api-tokens/{token_id[0]['id']}/delete"
    )
    after = await client.get("/api/v1/monitors", headers=bearer)

    assert 'data-token="grafana"' in listed and token.group(1) not in listed
    assert reads.status_code == 200
    assert revoked.status_code == 303 and after.status_code == 401


async def test_editors_see_no_invitations_nor_tokens(
    client: httpx.AsyncClient, open_browser: OpenBrowser, alice: Headers, login: object
) -> None:
    team = await _team(client, alice)
    editor = await open_browser("carol@example.com")
    invited = await client.post(
        f"/api/v1/organizations/{team}/invitations",
        json={"email": "carol@example.com", "role": "editor"},
        headers=alice,
    )
    link = invited.json()["accept_url"].removeprefix("http://test")
    page = await editor.get(link)
    await editor.post(f"{link}/accept", data={"csrf_token": csrf_token(page.text)})

    shown = (await editor.get("/organization")).text
    refused = await post_form(
        editor, "/organization", "/organization/api-tokens", name="x", scope="write"
    )

    assert "Members" in shown
    assert 'id="invitations-title"' not in shown and 'id="tokens-title"' not in shown
    assert refused.status_code == 403
