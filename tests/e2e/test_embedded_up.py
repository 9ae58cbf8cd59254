"""`betteruptime up` as a user runs it: a subprocess, a real port, a real target going down."""

from __future__ import annotations

import re

import pytest

from e2e.conftest import Product
from testkit.api import create_fast_monitor, signed_in_client, status_reader
from testkit.receivers import WebhookReceiver
from testkit.target import Target
from testkit.waiting import eventually

pytestmark = pytest.mark.e2e
SECRET = "Hunter2WebhookPassword"


async def test_an_outage_is_detected_opened_resolved_and_alerted_end_to_end(
    product: Product, target: Target, webhook: WebhookReceiver
) -> None:
    process = product.process
    async with signed_in_client(product.base) as api:
        # A URL with a password in it: it must never show in a response or the log.
        secret_url = webhook.url().replace("json://", f"json://ops:{SECRET}@")
        channel = await api.post("/channels", json={"name": "ops", "url": secret_url})
        assert channel.status_code == 201, channel.text
        assert SECRET not in channel.text and SECRET not in (await api.get("/channels")).text
        monitor_id = await create_fast_monitor(api, target.url, channel_ids=[channel.json()["id"]])
        has_status = status_reader(api, monitor_id)

        await eventually(lambda: has_status("up"), within=15, what="monitor up")

        await target.stop()
        await eventually(lambda: has_status("down"), within=15, what="monitor down")
        incidents = (await api.get("/incidents", params={"monitor_id": monitor_id})).json()
        assert [i["status"] for i in incidents] == ["open"]
        assert "refused" in incidents[0]["cause"]

        await target.start()
        await eventually(lambda: has_status("up"), within=15, what="monitor back up")
        incident = (await api.get(f"/incidents/{incidents[0]['id']}")).json()
        assert incident["status"] == "resolved"
        assert incident["resolved_at"] > incident["started_at"]
        # One outage, one webhook channel: exactly one down and one up message.
        await eventually(
            lambda: webhook.has_received(2), within=10, what="the down and up messages"
        )
        timeline = (await api.get(f"/incidents/{incidents[0]['id']}")).json()["timeline"]
        sent = [(e["event"], e["status"]) for e in timeline if e["type"] == "notification"]
        assert sent == [("down", "sent"), ("up", "sent")]

        checks = (await api.get(f"/monitors/{monitor_id}/checks", params={"limit": 1000})).json()
        assert any(not c["up"] for c in checks) and any(c["up"] for c in checks)
        assert [c["due_at"] for c in checks] == sorted((c["due_at"] for c in checks), reverse=True)
        up_check = next(c for c in checks if c["up"])
        assert up_check["status_code"] == 200
        assert up_check["timings"]["connect_ms"] is not None

        stats = (await api.get(f"/monitors/{monitor_id}/stats", params={"window": "24h"})).json()
        assert 0 < stats["uptime_percent"] < 100
        assert stats["checks"] >= len(checks) > 0
        assert stats["failures"] > 0

    assert process.stop() == 0
    log = process.log()
    # Every result a worker produced was stored before the process exited.
    summary = re.search(r"component=up event=stopped .*checked=(\d+) stored=(\d+)", log)
    assert summary, log
    assert summary.group(1) == summary.group(2)
    # The notifier received the outage's two transitions, and sent them once each.
    assert "type=down" in log and "type=up" in log
    assert webhook.titles() == ["[DOWN] local target", "[RECOVERED] local target"]
    assert "refused" in webhook.received[0].message
    assert "Down for:" in webhook.received[1].message
    assert SECRET not in log
