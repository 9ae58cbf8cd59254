"""A heartbeat monitor's messages: it has no URL (its ping URL is a secret), and it goes
down because a ping did not come or because the job reported a failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from betteruptime.alerting.context import AlertContext
from betteruptime.alerting.render import render, render_digest

STARTED = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
MISSED = "no ping within 10 s + 0 s grace; last ping 2026-03-01 01:59:50 UTC"


def heartbeat(type_: str = "down", **fields: Any) -> AlertContext:
    values: dict[str, Any] = {
        "type": type_,
        "monitor_id": 3,
        "monitor_name": "nightly backup",
        "monitor_url": None,
        "monitor_kind": "heartbeat",
        "incident_id": 9,
        "started_at": STARTED,
        "decided_at": STARTED,
        "cause": MISSED,
        "regions": ["default"],
    } | fields
    return AlertContext(**values)


def test_a_missed_ping_says_so_and_shows_no_url() -> None:
    message = render(heartbeat())

    assert message.title == "[DOWN] nightly backup"
    lines = message.text.splitlines()
    assert lines[0] == "nightly backup missed its expected ping."
    assert f"What failed: {MISSED}" in lines
    assert "Check: heartbeat (pinged)" in lines
    for form in (message.text, message.html):
        assert "None" not in form and "URL" not in form


def test_a_reported_failure_says_the_job_reported_it() -> None:
    message = render(heartbeat(cause="reported failure (exit status 3)"))

    lines = message.text.splitlines()
    assert lines[0] == "nightly backup reported a failure."
    assert "What failed: reported failure (exit status 3)" in lines


def test_a_heartbeat_recovery_and_reminder_read_without_a_url() -> None:
    up = render(heartbeat("up", resolved_at=STARTED + timedelta(minutes=4)))
    reminder = render(heartbeat("reminder", reminder_number=2))

    assert up.text.splitlines()[0] == "nightly backup is up again after 4m."
    assert reminder.text.splitlines()[0].startswith("nightly backup is still down")
    for message in (up, reminder):
        assert "None" not in message.text and "URL" not in message.text


def test_a_digest_lists_a_heartbeat_without_a_url() -> None:
    message = render_digest([heartbeat(), heartbeat(monitor_name="hourly sync")])

    assert message.text.splitlines()[2:] == [
        f"DOWN: nightly backup (heartbeat): {MISSED}",
        f"DOWN: hourly sync (heartbeat): {MISSED}",
    ]


def test_a_context_stored_before_monitor_kinds_were_recorded_still_renders() -> None:
    stored = {
        "type": "down",
        "monitor_id": 1,
        "monitor_name": "shop",
        "monitor_url": "https://shop.example.com/",
        "cause": "HTTP 503",
    }
    message = render(AlertContext.model_validate(stored))

    assert "URL: https://shop.example.com/" in message.text.splitlines()
