"""The notifier and maintenance windows (and degraded), on a real database, the
in-process stream, Apprise and a local webhook: what is held back, what still goes out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from betteruptime.db.models import (
    Check,
    MaintenanceMonitor,
    MaintenanceWindow,
    Notification,
    OutboxEvent,
)
from betteruptime.db.session import SessionFactory
from betteruptime.ingester.maintenance import emit_maintenance_events
from notifier.conftest import World
from testkit.receivers import WebhookReceiver
from testkit.waiting import eventually


def now() -> datetime:
    return datetime.now(UTC)


async def covering_now(world: World, monitor_ids: list[int], **fields: Any) -> int:
    """A one-off window from a minute ago to an hour from now."""
    owner = await world.owner()
    async with world.sessions() as session, session.begin():
        window = MaintenanceWindow(
            organization_id=owner,
            name="DB upgrade",
            starts_at=now() - timedelta(minutes=1),
            ends_at=now() + timedelta(hours=1),
            **fields,
        )
        session.add(window)
        await session.flush()
        session.add_all(MaintenanceMonitor(window_id=window.id, monitor_id=m) for m in monitor_ids)
        return window.id


async def sweep(world: World) -> None:
    async with world.sessions() as session, session.begin():
        await emit_maintenance_events(session, now=now())
    await world.relay.relay()


async def received(webhook: WebhookReceiver, count: int) -> bool:
    return len(webhook.received) >= count


async def notified_monitors(sessions: SessionFactory) -> list[int | None]:
    async with sessions() as session:
        rows = await session.scalars(select(Notification.monitor_id).order_by(Notification.id))
        return list(rows)


async def test_a_down_inside_an_active_window_sends_nothing_and_one_outside_does(
    world: World, webhook: WebhookReceiver, start_notifier: Any, sessions: SessionFactory
) -> None:
    channel = await world.channel(webhook.url())
    resting = await world.monitor("resting", [(channel, {})])
    live = await world.monitor("live", [(channel, {})])
    await covering_now(world, [resting])
    start_notifier()

    await world.go_down(resting)
    await world.go_down(live)  # handled after the first: once it is here, the first was planned
    await eventually(lambda: received(webhook, 1), within=10, what="the down message of live")

    assert webhook.titles() == ["[DOWN] live"]
    assert await notified_monitors(sessions) == [live]


async def test_reminders_and_recoveries_of_an_unannounced_outage_stay_quiet_too(
    world: World, webhook: WebhookReceiver, start_notifier: Any, sessions: SessionFactory
) -> None:
    channel = await world.channel(webhook.url())
    resting = await world.monitor("resting", [(channel, {})])
    live = await world.monitor("live", [(channel, {})])
    await covering_now(world, [resting])
    start_notifier()

    incident = await world.go_down(resting)
    await world.emit("reminder", resting, incident)
    await world.recover(resting, incident)
    await world.go_down(live)
    await eventually(lambda: received(webhook, 1), within=10, what="the down message of live")

    assert webhook.titles() == ["[DOWN] live"]


async def test_an_outage_announced_before_the_window_still_gets_its_recovery(
    world: World, webhook: WebhookReceiver, start_notifier: Any
) -> None:
    channel = await world.channel(webhook.url())
    shop = await world.monitor("shop", [(channel, {})])
    start_notifier()
    incident = await world.go_down(shop)
    await eventually(lambda: received(webhook, 1), within=10, what="the down message")

    await covering_now(world, [shop])
    await world.emit("reminder", shop, incident)  # held back: inside the window
    await world.recover(shop, incident)
    await eventually(lambda: received(webhook, 2), within=10, what="the recovery")

    assert webhook.titles() == ["[DOWN] shop", "[RECOVERED] shop"]


async def test_a_notify_window_tells_each_channel_once_when_it_starts_and_ends(
    world: World, webhook: WebhookReceiver, start_notifier: Any, sessions: SessionFactory
) -> None:
    ops, other = await world.channel(webhook.url("ops")), await world.channel(webhook.url("b"))
    # The links name only `down`: the window's notify is what asks for these messages.
    shop = await world.monitor("shop", [(ops, {"events": ["down"]}), (other, {})])
    api = await world.monitor("api", [(ops, {})])
    window = await covering_now(world, [shop, api], notify=True)
    start_notifier()

    await sweep(world)
    await eventually(lambda: received(webhook, 2), within=10, what="two started messages")
    async with sessions() as session, session.begin():
        await session.execute(
            update(MaintenanceWindow)
            .where(MaintenanceWindow.id == window)
            .values(ends_at=now() - timedelta(seconds=1))
        )
    await sweep(world)
    await eventually(lambda: received(webhook, 4), within=10, what="two ended messages")

    titles = webhook.titles()
    assert (
        titles == ["[MAINTENANCE STARTED] DB upgrade"] * 2 + ["[MAINTENANCE ENDED] DB upgrade"] * 2
    )
    started = webhook.received[0].message
    assert 'Maintenance "DB upgrade" started: alerts for api, shop are paused until' in started
    assert webhook.received[0].body["type"] == "info"
    async with sessions() as session:
        planned = (await session.execute(select(Notification.channel_id, Notification.kind))).all()
    kinds = ("maintenance_started", "maintenance_ended")
    assert sorted(planned) == sorted((c, kind) for c in (ops, other) for kind in kinds)


async def test_a_window_without_notify_sends_no_start_or_end(
    world: World, webhook: WebhookReceiver, start_notifier: Any, sessions: SessionFactory
) -> None:
    channel = await world.channel(webhook.url())
    shop = await world.monitor("shop", [(channel, {})])
    live = await world.monitor("live", [(channel, {})])
    await covering_now(world, [shop], notify=False)
    start_notifier()

    await sweep(world)
    await world.go_down(live)
    await eventually(lambda: received(webhook, 1), within=10, what="the down message of live")

    assert webhook.titles() == ["[DOWN] live"]


async def test_degraded_reaches_only_the_links_that_asked_for_it(
    world: World, webhook: WebhookReceiver, start_notifier: Any, sessions: SessionFactory
) -> None:
    asked = await world.channel(webhook.url("asked"))
    default = await world.channel(webhook.url("default"))
    rules = {"events": ["down", "up", "reminder", "acknowledged", "degraded"]}
    shop = await world.monitor("shop", [(asked, rules), (default, {})], degraded_after_ms=800)
    due = now().replace(microsecond=0) - timedelta(seconds=30)
    async with sessions() as session, session.begin():
        session.add(
            Check(
                monitor_id=shop,
                region="default",
                due_at=due,
                checked_at=due,
                up=True,
                response_time_ms=1240.0,
                status_code=200,
            )
        )
        session.add(OutboxEvent(type="degraded", monitor_id=shop, at=due, created_at=now()))
    await world.relay.relay()
    start_notifier()

    await eventually(lambda: received(webhook, 1), within=10, what="the degraded message")

    (message,) = webhook.received
    assert message.title == "[DEGRADED] shop"
    assert message.message.startswith("shop — responses slower than 800 ms: 1,240 ms.")
    assert message.body["type"] == "warning"
    async with sessions() as session:
        channels = (await session.scalars(select(Notification.channel_id))).all()
    assert channels == [asked]
