"""Events stay owed in the outbox until a notifier has planned them: planning stamps them,
and a notifier that plans a monitor's event first plans that monitor's earlier events
whose stream entries were lost, so a recovery never goes out without its outage."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from betteruptime.db.models import Notification, OutboxEvent
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from notifier.conftest import World
from notifier.test_redis_restart import open_incident
from testkit.receivers import WebhookReceiver
from testkit.waiting import eventually


async def planned_at(sessions: SessionFactory) -> list[bool]:
    async with sessions() as session:
        rows = await session.scalars(select(OutboxEvent.planned_at).order_by(OutboxEvent.id))
        return [moment is not None for moment in rows]


async def test_planning_stamps_events_planned_even_those_that_tell_nobody(
    world: World, webhook: WebhookReceiver, start_notifier: Any, sessions: SessionFactory
) -> None:
    channel = await world.channel(webhook.url())
    shop = await world.monitor("shop", [(channel, {})])
    quiet = await world.monitor("quiet", [])  # no channel: plans nothing
    start_notifier()

    await world.go_down(quiet)
    await world.go_down(shop)
    await eventually(lambda: webhook.has_received(1), within=10, what="shop's down")

    async def both_planned() -> bool:
        return await planned_at(sessions) == [True, True]

    await eventually(both_planned, within=5, what="both events stamped planned")


async def test_a_recovery_whose_outage_entry_was_lost_brings_the_outage_with_it(
    world: World, webhook: WebhookReceiver, start_notifier: Any, sessions: SessionFactory
) -> None:
    channel = await world.channel(webhook.url())
    shop = await world.monitor("shop", [(channel, {})])
    # The down event was relayed, but its stream entry is gone (Redis restarted).
    incident_id = await open_incident(sessions, shop)
    async with sessions() as session, session.begin():
        await session.execute(update(OutboxEvent).values(published_at=utcnow()))
    notifier = start_notifier()

    await world.recover(shop, incident_id)
    await eventually(lambda: webhook.has_received(2), within=10, what="the down and the up")

    assert sorted(webhook.titles()) == ["[DOWN] shop", "[RECOVERED] shop"]
    async with sessions() as session:
        kinds = list(await session.scalars(select(Notification.kind).order_by(Notification.id)))
    assert kinds == ["down", "up"]  # planned oldest first
    assert await planned_at(sessions) == [True, True]
    assert notifier.handled == 1  # one stream entry; the other came from the outbox
