"""A maintenance window as a user meets it, through `betteruptime up` in a subprocess: an
outage inside the window is recorded but nobody is paged; once the window is gone the
next outage alerts as usual."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from e2e.conftest import Product
from testkit.api import create_fast_monitor, signed_in_client, status_reader
from testkit.receivers import WebhookReceiver
from testkit.target import Target
from testkit.waiting import eventually

pytestmark = pytest.mark.e2e


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def test_an_outage_inside_a_window_is_recorded_silently_and_the_next_one_alerts(
    product: Product, target: Target, webhook: WebhookReceiver
) -> None:
    process = product.process
    async with signed_in_client(product.base) as api:
        channel = await api.post("/channels", json={"name": "ops", "url": webhook.url()})
        monitor_id = await create_fast_monitor(api, target.url, channel_ids=[channel.json()["id"]])
        now = datetime.now(UTC)
        window = await api.post(
            "/maintenance-windows",
            json={
                "name": "DB upgrade",
                "starts_at": iso(now - timedelta(minutes=1)),
                "ends_at": iso(now + timedelta(hours=1)),
                "monitor_ids": [monitor_id],
            },
        )
        assert window.status_code == 201, window.text
        assert window.json()["active"] is True
        has_status = status_reader(api, monitor_id)
        await eventually(lambda: has_status("up"), within=15, what="monitor up")

        # Inside the window: the outage is detected, opened and resolved, and flagged.
        await target.stop()
        await eventually(lambda: has_status("down"), within=10, what="monitor down")
        await target.start()
        await eventually(lambda: has_status("up"), within=10, what="monitor back up")
        (quiet,) = (await api.get("/incidents", params={"monitor_id": monitor_id})).json()
        assert quiet["status"] == "resolved" and quiet["in_maintenance"] is True

        deleted = await api.delete(f"/maintenance-windows/{window.json()['id']}")
        assert deleted.status_code == 204

        # No window any more: the next outage pages as usual.
        await target.stop()
        await eventually(lambda: has_status("down"), within=10, what="monitor down again")
        await eventually(lambda: webhook.has_received(1), within=10, what="the down message")
        incidents = (await api.get("/incidents", params={"monitor_id": monitor_id})).json()
        assert [(i["status"], i["in_maintenance"]) for i in incidents] == [
            ("open", False),
            ("resolved", True),
        ]
        await target.start()
        await eventually(lambda: webhook.has_received(2), within=10, what="the recovery message")

    assert process.stop() == 0
    # The notifier handles events in order: had the first outage sent anything, it would
    # have arrived before these two.
    assert webhook.titles() == ["[DOWN] local target", "[RECOVERED] local target"]
    timeline = [line for line in process.log().splitlines() if "event=received" in line]
    assert sum("type=down" in line for line in timeline) == 2  # both outages reached it
