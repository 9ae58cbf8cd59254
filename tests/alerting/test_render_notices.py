"""The messages that are not an incident's: degraded, maintenance started and ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from betteruptime.alerting.context import AlertContext
from betteruptime.alerting.render import render, render_digest

AT = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)


def context(type_: str, **fields: Any) -> AlertContext:
    values: dict[str, Any] = {
        "type": type_,
        "monitor_id": 7,
        "monitor_name": "shop",
        "monitor_url": "https://shop.example.com/",
        "started_at": AT,
        "decided_at": AT,
    } | fields
    return AlertContext(**values)


def test_a_degraded_message_names_the_threshold_and_the_time_measured() -> None:
    message = render(context("degraded", response_time_ms=1240.4, degraded_after_ms=800))

    assert message.title == "[DEGRADED] shop"
    assert message.text.splitlines()[0] == "shop — responses slower than 800 ms: 1,240 ms."
    assert "Response time: 1,240 ms" in message.text
    assert "Degraded above: 800 ms" in message.text
    assert "Slow since: 2026-03-01 22:00:00 UTC" in message.text
    assert "What failed" not in message.text and "Down since" not in message.text


def test_a_degraded_message_without_numbers_still_reads() -> None:
    message = render(context("degraded"))
    assert message.text.splitlines()[0] == "shop — responses slow."


def test_maintenance_started_names_the_window_its_monitors_and_its_end() -> None:
    message = render(
        context(
            "maintenance_started",
            window_name="DB <upgrade>",
            window_monitors=["api", "shop"],
            window_ends_at=AT + timedelta(hours=2),
        )
    )

    assert message.title == "[MAINTENANCE STARTED] DB <upgrade>"
    assert message.text.splitlines()[0] == (
        'Maintenance "DB <upgrade>" started: alerts for api, shop are paused '
        "until 2026-03-02 00:00:00 UTC."
    )
    assert "Ends at: 2026-03-02 00:00:00 UTC" in message.text
    assert "DB &lt;upgrade&gt;" in message.html and "<upgrade>" not in message.html


def test_maintenance_ended_says_alerts_are_on_again() -> None:
    message = render(context("maintenance_ended", window_name="DB upgrade"))

    assert message.title == "[MAINTENANCE ENDED] DB upgrade"
    assert message.text.splitlines()[0] == (
        'Maintenance "DB upgrade" is over: alerts for shop are on again.'
    )
    assert "Ended at: 2026-03-01 22:00:00 UTC" in message.text


def test_a_digest_names_the_new_kinds_by_their_headline() -> None:
    digest = render_digest([context("degraded"), context("maintenance_started")])
    assert "DEGRADED: shop (https://shop.example.com/)" in digest.text
    assert "MAINTENANCE STARTED: shop" in digest.text
