"""Channel service and the channel tables, against SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from betteruptime.db.models import Channel, Monitor, MonitorChannel, Organization, User
from betteruptime.db.session import SessionFactory
from betteruptime.schemas.links import ChannelRule
from betteruptime.services import channels
from betteruptime.services.channels import ChannelInvalidError
from betteruptime.services.organizations import create_personal_organization
from conftest import MonitorFactory

SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general"


async def _user(sessions: SessionFactory, email: str) -> int:
    async with sessions() as session, session.begin():
        user = User(email=email, password_hash="x")
        session.add(user)
        await session.flush()
        return (await create_personal_organization(session, user=user)).id


async def test_it_stores_the_whole_url_and_finds_only_the_owners_ids(
    sessions: SessionFactory,
) -> None:
    alice, bob = await _user(sessions, "alice@example.com"), await _user(sessions, "b@x.org")
    async with sessions() as session:
        mine = await channels.create_channel(
            session, organization_id=alice, name="Slack", url=SLACK
        )
        theirs = await channels.create_channel(
            session, organization_id=bob, name="Hook", url="json://hooks.example.com/"
        )

        owned = await channels.get_owned_channel_ids(
            session, organization_id=alice, ids=[mine.id, theirs.id, 999]
        )
        listed = await channels.list_channels(session, organization_id=alice)

    assert owned == {mine.id}
    assert [channel.url for channel in listed] == [SLACK]


async def test_it_refuses_a_url_apprise_cannot_use(sessions: SessionFactory) -> None:
    owner = await _user(sessions, "alice@example.com")
    async with sessions() as session:
        with pytest.raises(ChannelInvalidError) as raised:
            await channels.create_channel(session, organization_id=owner, name="x", url="slack://")
        count = await session.scalar(select(func.count()).select_from(Channel))

    assert raised.value.field == "url"
    assert count == 0


async def test_links_go_with_the_channel_and_with_the_monitor(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    first, second = await make_monitor(), await make_monitor()
    async with sessions() as session:
        owner = await session.scalar(select(Organization.id))
        assert owner is not None
        a = await channels.create_channel(session, organization_id=owner, name="a", url=SLACK)
        b = await channels.create_channel(session, organization_id=owner, name="b", url=SLACK)
        for monitor_id in (first, second):
            rules = [ChannelRule(channel_id=b.id), ChannelRule(channel_id=a.id, delay_minutes=5)]
            await channels.replace_links(session, monitor_id=monitor_id, rules=rules)
        await session.commit()
        linked = await channels.rules_by_monitor(session, monitor_ids=[first, second])
        assert {key: [rule.channel_id for rule in rules] for key, rules in linked.items()} == {
            first: sorted([a.id, b.id]),
            second: sorted([a.id, b.id]),
        }
        assert [rule.delay_minutes for rule in linked[first]] == [5, 0]

        await channels.delete_channel(session, channel=a)
        after_channel = {
            key: [rule.channel_id for rule in rules]
            for key, rules in (
                await channels.rules_by_monitor(session, monitor_ids=[first, second])
            ).items()
        }
        await session.delete(await session.get(Monitor, first))
        await session.commit()
        links = (await session.execute(select(MonitorChannel.monitor_id))).scalars().all()

    assert after_channel == {first: [b.id], second: [b.id]}
    assert links == [second]
