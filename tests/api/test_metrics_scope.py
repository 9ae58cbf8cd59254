"""/metrics scraped with an organization's API token shows only that organization's
monitors; BETTERUPTIME_METRICS_TOKEN still shows everyone's."""

from __future__ import annotations

import httpx
from sqlalchemy import delete, select

from api.conftest import CreateMonitor, Headers, Login
from api.test_metrics import TOKEN, guarded_client, scrape
from api.test_organizations import acting_in, add_member, make_team
from betteruptime.db.models import Membership, User
from betteruptime.db.session import SessionFactory
from betteruptime.services import tokens

__all__ = ["guarded_client"]  # the fixture, shared


def monitor_ids(families: dict[str, list]) -> set[str]:  # type: ignore[type-arg]
    return {s.labels["monitor_id"] for s in families["betteruptime_monitor_info"]}


async def team_token(sessions: SessionFactory, email: str, organization_id: int) -> str:
    async with sessions() as session:
        user = (await session.scalars(select(User).where(User.email == email))).one()
        token, _ = await tokens.issue_token(
            session, user=user, ttl_days=1, name="prometheus", organization_id=organization_id
        )
    return token


async def test_an_organizations_token_sees_only_its_monitors_and_the_global_one_sees_all(
    guarded_client: httpx.AsyncClient,
    client: httpx.AsyncClient,
    alice: Headers,
    bob: Headers,
    create_monitor: CreateMonitor,
) -> None:
    alices = str((await create_monitor(alice, name="alice's"))["id"])
    bobs = str((await create_monitor(bob, name="bob's"))["id"])

    async with guarded_client:
        as_alice = await scrape(guarded_client, Authorization=alice["Authorization"])
        everyone = await scrape(guarded_client, Authorization=f"Bearer {TOKEN}")
    open_as_bob = await scrape(client, Authorization=bob["Authorization"])
    open_to_all = await scrape(client)

    assert monitor_ids(as_alice) == {alices}
    assert [s.value for s in as_alice["betteruptime_monitors"] if s.labels["status"] == "pending"]
    assert monitor_ids(everyone) == monitor_ids(open_to_all) == {alices, bobs}
    assert monitor_ids(open_as_bob) == {bobs}


async def test_a_team_token_sees_the_teams_monitors_until_its_user_leaves(
    client: httpx.AsyncClient,
    alice: Headers,
    login: Login,
    sessions: SessionFactory,
    create_monitor: CreateMonitor,
) -> None:
    team = await make_team(client, alice)
    shared = str((await create_monitor(acting_in(alice, team), name="shared"))["id"])
    await create_monitor(alice, name="private")
    await login("viewer@example.com")
    viewer_id = await add_member(sessions, team, "viewer@example.com", "viewer")
    token = await team_token(sessions, "viewer@example.com", team)

    assert monitor_ids(await scrape(client, Authorization=f"Bearer {token}")) == {shared}

    async with sessions() as session, session.begin():
        await session.execute(delete(Membership).where(Membership.user_id == viewer_id))
    refused = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert "betteruptime_monitor" not in refused.text


async def test_an_unknown_token_is_refused_even_when_metrics_are_open(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/metrics", headers={"Authorization": "Bearer bu_nope"})

    assert response.status_code == 401
    # Not silently everyone's: a scraper meant to see one organization would not notice.
    assert "betteruptime_monitor" not in response.text
