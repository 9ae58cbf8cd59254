"""The notifier end to end on a real database, the in-process stream, Apprise and a local
webhook: what arrives, how often, after failures, under a storm and with escalation."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from betteruptime.alerting.retry import RetryPolicy
from betteruptime.db.models import Channel, DeliveryAttempt, Notification
from betteruptime.db.session import SessionFactory
from betteruptime.schemas.channels import ChannelPublic
from notifier.conftest import World
from testkit.receivers import WebhookReceiver
from testkit.waiting import eventually


async def _notifications(sessions: SessionFactory) -> list[Notification]:
    async with sessions() as session:
        return list((await session.scalars(select(Notification).order_by(Notification.id))).all())


async def _one_failed(sessions: SessionFactory) -> bool:
    return [n.status for n in await _notifications(sessions)] == ["failed"]


async def _attempts(sessions: SessionFactory) -> list[DeliveryAttempt]:
    async with sessions() as session:
        rows = await session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id))
        return list(rows.all())


async def test_one_outage_sends_exactly_one_down_and_one_up(
    world: World, webhook: WebhookReceiver, start_notifier: Any
) -> None:
    channel = await world.channel(webhook.url())
    monitor = await world.monitor("shop", [(channel, {})])
    start_notifier()

    incident = await world.go_down(monitor, cause="HTTP 503 from upstream")
    await eventually(lambda: _count(webhook, 1), within=10, what="the down message")
    await world.recover(monitor, incident)
    await eventually(lambda: _count(webhook, 2), within=10, what="the up message")

    down, up = webhook.received
    assert down.title == "[DOWN] shop" and down.body["type"] == "failure"
    assert "https://shop.example.com/" in down.message
    assert "HTTP 503 from upstream" in down.message
    assert up.title == "[RECOVERED] shop" and "Down for:" in up.message
    await _assert_no_more_messages(webhook, 2)


async def test_an_event_delivered_twice_by_the_stream_is_sent_once(
    world: World, webhook: WebhookReceiver, start_notifier: Any, sessions: SessionFactory
) -> None:
    channel = await world.channel(webhook.url())
    monitor = await world.monitor("api", [(channel, {})])
    await world.go_down(monitor)
    # The same event again, as a stream redelivery would bring it.
    async with sessions() as session:
        from betteruptime.db.models import OutboxEvent
        from betteruptime.ingester.outbox import to_event

        row = await session.scalar(select(OutboxEvent))
        assert row is not None
        await world.stream.publish([to_event(row).model_dump_json().encode()])
    start_notifier()

    await eventually(lambda: _count(webhook, 1), within=10, what="the down message")
    await _assert_no_more_messages(webhook, 1)
    assert [n.status for n in await _notifications(sessions)] == ["sent"]


async def test_a_webhook_failing_twice_gets_the_message_on_the_third_attempt(
    world: World, start_notifier: Any, sessions: SessionFactory
) -> None:
    flaky = WebhookReceiver(fail_first=2)
    await flaky.start()
    try:
        channel = await world.channel(flaky.url())
        monitor = await world.monitor("db", [(channel, {})])
        start_notifier()
        await world.go_down(monitor)
        await eventually(lambda: _count(flaky, 1), within=15, what="the third attempt")
    finally:
        await flaky.stop()

    assert flaky.requests == 3
    attempts = await _attempts(sessions)
    assert [(a.attempt, a.ok) for a in attempts] == [(1, False), (2, False), (3, True)]
    assert attempts[0].error and "503" in attempts[0].error
    (notification,) = await _notifications(sessions)
    assert notification.status == "sent" and notification.attempts == 3


async def test_a_webhook_that_always_fails_ends_recorded_as_failed(
    world: World, start_notifier: Any, sessions: SessionFactory
) -> None:
    dead = WebhookReceiver(always_fail=True)
    await dead.start()
    try:
        channel = await world.channel(dead.url())
        monitor = await world.monitor("cdn", [(channel, {})])
        start_notifier(retry=RetryPolicy(max_attempts=5, first_delay_seconds=0.1, factor=1.0))
        await world.go_down(monitor)
        await eventually(
            lambda: _one_failed(sessions), within=15, what="the notification to end failed"
        )
    finally:
        await dead.stop()

    assert dead.requests == 5
    attempts = await _attempts(sessions)
    assert [a.ok for a in attempts] == [False] * 5
    (notification,) = await _notifications(sessions)
    assert notification.last_error and "503" in notification.last_error


async def test_thirty_monitors_down_at_once_fold_into_a_digest_within_the_rate_limit(
    world: World, webhook: WebhookReceiver, start_notifier: Any, sessions: SessionFactory
) -> None:
    channel = await world.channel(webhook.url())
    names = [f"service-{n:02d}" for n in range(30)]
    monitors = [await world.monitor(name, [(channel, {})]) for name in names]
    for monitor in monitors:  # written together, relayed together: one shared outage
        await world.go_down(monitor)
    start_notifier(rate_limit=5)

    await eventually(lambda: _count(webhook, 1), within=10, what="the digest")
    await _assert_no_more_messages(webhook, len(webhook.received))
    assert len(webhook.received) <= 5
    digests = [m for m in webhook.received if m.title.startswith("[DIGEST]")]
    assert len(digests) == 1
    for name in names:
        assert name in digests[0].message
    statuses = [n.status for n in await _notifications(sessions) if n.kind == "down"]
    assert set(statuses) == {"folded"}


async def test_an_escalation_is_sent_only_if_still_unacknowledged_when_due(
    world: World, start_notifier: Any, sessions: SessionFactory
) -> None:
    chat, sms = WebhookReceiver(), WebhookReceiver()
    await chat.start()
    await sms.start()
    try:
        chat_id = await world.channel(chat.url(), name="chat")
        sms_id = await world.channel(sms.url(), name="sms")
        links = [(chat_id, {}), (sms_id, {"delay_minutes": 5})]
        escalated = await world.monitor("billing", links)
        calm = await world.monitor("search", links)
        start_notifier()

        # Confirmed six minutes ago and nobody acknowledged: the SMS is due now.
        await world.go_down(escalated, decided_ago=360)
        await eventually(lambda: _count(sms, 1), within=10, what="the escalated SMS")
        # Confirmed now, acknowledged at once: the SMS never goes out.
        incident = await world.go_down(calm)
        await eventually(lambda: _count(chat, 2), within=10, what="both chat messages")
        await world.emit("acknowledged", calm, incident)
        await eventually(lambda: _count(chat, 3), within=10, what="the acknowledgement")
    finally:
        await chat.stop()
        await sms.stop()

    assert chat.titles() == ["[DOWN] billing", "[DOWN] search", "[ACKNOWLEDGED] search"]
    assert sms.titles() == ["[DOWN] billing"]
    statuses = {
        (n.channel_id, n.incident_id, n.kind): n.status for n in await _notifications(sessions)
    }
    assert statuses[(sms_id, incident, "down")] == "cancelled"
    # The SMS channel never heard of that outage, so it is not told of its acknowledgement.
    assert (sms_id, incident, "acknowledged") not in statuses


async def test_a_link_gets_only_the_events_it_asked_for(
    world: World, webhook: WebhookReceiver, start_notifier: Any
) -> None:
    channel = await world.channel(webhook.url())
    monitor = await world.monitor("docs", [(channel, {"events": ["down"]})])
    start_notifier()
    incident = await world.go_down(monitor)
    await eventually(lambda: _count(webhook, 1), within=10, what="the down message")
    await world.recover(monitor, incident)
    await _assert_no_more_messages(webhook, 1)


async def _count(webhook: WebhookReceiver, expected: int) -> bool:
    return len(webhook.received) >= expected


async def _assert_no_more_messages(webhook: WebhookReceiver, expected: int) -> None:
    """Give a notifier that would send a duplicate the time to do it."""
    await asyncio.sleep(1.5)
    assert len(webhook.received) == expected, webhook.titles()


async def test_a_webhook_answering_404_is_tried_once_and_fails_for_good_with_its_reason(
    world: World, start_notifier: Any, sessions: SessionFactory
) -> None:
    gone = WebhookReceiver(always_fail=True, fail_status=404)
    await gone.start()
    try:
        channel = await world.channel(gone.url())
        monitor = await world.monitor("shop", [(channel, {})])
        start_notifier()
        await world.go_down(monitor)
        await eventually(lambda: _one_failed(sessions), within=10, what="the notification to fail")
        await asyncio.sleep(1.0)  # FAST_RETRY would have tried again by now
    finally:
        await gone.stop()

    assert gone.requests == 1
    (attempt,) = await _attempts(sessions)
    assert not attempt.ok and attempt.permanent
    assert attempt.error and attempt.error.startswith("HTTP 404 Not Found")
    (notification,) = await _notifications(sessions)
    assert notification.attempts == 1 and notification.last_error == attempt.error
    async with sessions() as session:
        row = await session.get(Channel, channel)
        assert row is not None
        shown = ChannelPublic.from_row(row)
    assert shown.last_failure is not None
    assert shown.last_failure.permanent and shown.last_failure.still_failing
    assert shown.last_failure.error == attempt.error


async def test_a_429_with_retry_after_holds_the_next_attempt_back_that_long(
    world: World, start_notifier: Any, sessions: SessionFactory
) -> None:
    busy = WebhookReceiver(fail_first=1, fail_status=429, fail_headers={"Retry-After": "2"})
    await busy.start()
    try:
        channel = await world.channel(busy.url())
        monitor = await world.monitor("api", [(channel, {})])
        start_notifier()  # FAST_RETRY: its own back-off would try again after 0.1 s
        await world.go_down(monitor)
        await eventually(lambda: _count(busy, 1), within=10, what="the second attempt")
    finally:
        await busy.stop()

    async def both_recorded() -> bool:
        # The receiver answers before the notifier writes the attempt down.
        return len(await _attempts(sessions)) == 2

    await eventually(both_recorded, within=10, what="both attempts recorded")
    first, second = busy.request_times
    assert second - first >= 2.0
    attempts = await _attempts(sessions)
    assert [(a.ok, a.permanent) for a in attempts] == [(False, False), (True, False)]
    assert attempts[0].error and "HTTP 429 Too Many Requests" in attempts[0].error
