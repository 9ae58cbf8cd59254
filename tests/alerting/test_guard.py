"""The SSRF guard on notifications: Apprise's requests connect only where the target
policy allows, judged on the resolved address."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from betteruptime.alerting.render import render_test
from betteruptime.alerting.sender import AppriseSender
from betteruptime.domain.addresses import TargetPolicy
from testkit.receivers import WebhookReceiver


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    await receiver.start()
    yield receiver
    await receiver.stop()


async def test_the_metadata_address_is_refused_without_a_connection_attempt() -> None:
    sender = AppriseSender(policy=TargetPolicy())

    outcome = await sender.send(
        "json://169.254.169.254/latest/meta-data", render_test("x"), kind="test"
    )

    assert not outcome.ok and outcome.permanent
    assert (
        outcome.error
        and "169.254.169.254 is a link-local or cloud metadata address" in outcome.error
    )


async def test_a_private_webhook_is_refused_when_private_targets_are_blocked(
    receiver: WebhookReceiver,
) -> None:
    # "localhost" resolves to 127.0.0.1: the rule applies to the address, not the name.
    url = receiver.url().replace("127.0.0.1", "localhost")
    strict = AppriseSender(policy=TargetPolicy(block_private=True))
    open_ = AppriseSender(policy=TargetPolicy())

    refused = await strict.send(url, render_test("x"), kind="test")
    allowed = await open_.send(url, render_test("x"), kind="test")

    assert (
        not refused.ok and refused.error and "BETTERUPTIME_BLOCK_PRIVATE_TARGETS" in refused.error
    )
    assert allowed.ok
    assert len(receiver.received) == 1


async def test_the_guard_leaves_other_connections_alone(receiver: WebhookReceiver) -> None:
    import asyncio

    import requests

    strict = AppriseSender(policy=TargetPolicy(block_private=True))
    await strict.send(receiver.url(), render_test("x"), kind="test")

    # Outside a guarded send (this test's own thread), loopback is reachable as ever.
    response = await asyncio.to_thread(
        requests.post, f"http://127.0.0.1:{receiver.port}/direct", json={}, timeout=5
    )

    assert response.status_code == 200
