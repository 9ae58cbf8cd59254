"""One bad event must never silence the others: the events of a heartbeat monitor (no
URL) are planned and sent like any other's, and an event the notifier cannot decode or
plan is set aside as a dead letter, with its reason, while the events around it go out."""

from __future__ import annotations

from typing import Any

from notifier.conftest import World
from testkit.receivers import WebhookReceiver
from testkit.waiting import eventually


async def _count(receiver: WebhookReceiver, count: int) -> bool:
    return len(receiver.received) >= count


async def test_a_heartbeat_down_and_up_are_delivered_to_its_channel(
    world: World, receiver: WebhookReceiver, start_notifier: Any
) -> None:
    channel = await world.channel(receiver.url())
    backup = await world.monitor(
        "nightly backup",
        [(channel, {})],
        kind="heartbeat",
        url=None,
        period_seconds=10,
        grace_seconds=0,
    )
    shop = await world.monitor("shop", [(channel, {})])
    start_notifier()

    incident = await world.go_down(backup, cause="no ping within 10 s + 0 s grace; last ping never")
    await eventually(lambda: _count(receiver, 1), within=10, what="the heartbeat's down")
    await world.recover(backup, incident)
    await eventually(lambda: _count(receiver, 2), within=10, what="the heartbeat's up")
    # And the alerts of other monitors still flow behind it.
    await world.go_down(shop)
    await eventually(lambda: _count(receiver, 3), within=10, what="the next monitor's down")

    down, up, other = receiver.received
    assert down.title == "[DOWN] nightly backup"
    assert down.message.splitlines()[0] == "nightly backup missed its expected ping."
    assert "None" not in down.message and "URL" not in down.message
    assert up.title == "[RECOVERED] nightly backup" and "None" not in up.message
    assert other.title == "[DOWN] shop"
