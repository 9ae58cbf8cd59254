"""Message templates: what each event's message says, in text and in (escaped) HTML."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from betteruptime.alerting.context import AlertContext
from betteruptime.alerting.render import (
    MAX_CAUSE_CHARS,
    format_duration,
    render,
    render_digest,
)

STARTED = datetime(2026, 3, 1, 9, 15, 0, tzinfo=UTC)
LATER = STARTED + timedelta(hours=3, minutes=2, seconds=7)


def context(type_: str = "down", **fields: Any) -> AlertContext:
    values: dict[str, Any] = {
        "type": type_,
        "monitor_id": 7,
        "monitor_name": "checkout",
        "monitor_url": "https://shop.example.com/checkout",
        "incident_id": 31,
        "started_at": STARTED,
        "confirmed_at": STARTED + timedelta(minutes=1),
        "cause": "HTTP 503: upstream connect error",
        "status_code": 503,
        "failing_regions": ["eu", "us"],
        "regions": ["asia", "eu", "us"],
        "decided_at": STARTED + timedelta(minutes=1),
    } | fields
    return AlertContext(**values)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0s"),
        (-5, "0s"),
        (0.4, "0s"),
        (59, "59s"),
        (59.6, "1m"),
        (60, "1m"),
        (61, "1m 1s"),
        (3600, "1h"),
        (3 * 3600 + 2 * 60, "3h 2m"),
        (3 * 3600 + 2 * 60 + 59, "3h 2m"),
        (2 * 86400 + 5 * 3600, "2d 5h"),
        (2 * 86400 + 5 * 3600 + 40 * 60, "2d 5h"),
    ],
)
def test_format_duration_shows_the_two_largest_units(seconds: float, shown: str) -> None:
    assert format_duration(seconds) == shown


def test_down_names_the_monitor_its_url_the_cause_the_status_and_the_regions() -> None:
    message = render(context("down"))
    assert message.title == "[DOWN] checkout"
    lines = message.text.splitlines()
    assert lines[0] == "checkout is down."
    assert "Monitor: checkout" in lines
    assert "URL: https://shop.example.com/checkout" in lines
    assert "What failed: HTTP 503: upstream connect error" in lines
    assert "HTTP status: 503" in lines
    assert "Failing regions: eu, us (of asia, eu, us)" in lines
    assert "Down since: 2026-03-01 09:15:00 UTC" in lines
    assert "Incident: #31" in lines
    assert "Down for" not in message.text
    for fact in ("checkout", "https://shop.example.com/checkout", "HTTP 503", "503"):
        assert fact in message.html
    assert "eu, us (of asia, eu, us)" in message.html


def test_down_without_status_regions_or_cause_leaves_those_out() -> None:
    message = render(context("down", status_code=None, failing_regions=[], cause=None))
    assert "HTTP status" not in message.text
    assert "Failing regions" not in message.text
    assert "What failed: no error text" in message.text.splitlines()


def test_up_says_how_long_it_was_down() -> None:
    message = render(context("up", resolved_at=LATER, failing_regions=[], status_code=None))
    assert message.title == "[RECOVERED] checkout"
    lines = message.text.splitlines()
    assert lines[0] == "checkout is up again after 3h 2m."
    assert "Down for: 3h 2m" in lines
    assert "Recovered at: 2026-03-01 12:17:07 UTC" in lines
    assert "Down since: 2026-03-01 09:15:00 UTC" in lines
    assert "<b>Down for:</b> 3h 2m" in message.html


def test_up_without_a_known_end_says_no_duration() -> None:
    message = render(context("up", resolved_at=None))
    assert message.text.splitlines()[0] == "checkout is up again."
    assert "Down for" not in message.text


def test_a_reminder_counts_the_outage_up_to_its_decision() -> None:
    decided = STARTED + timedelta(minutes=45)
    message = render(context("reminder", reminder_number=2, decided_at=decided))
    assert message.title == "[STILL DOWN] checkout"
    lines = message.text.splitlines()
    assert lines[0] == "checkout is still down and nobody has acknowledged it (reminder 2)."
    assert "Down for: 45m" in lines
    assert "What failed: HTTP 503: upstream connect error" in lines
    assert "Failing regions: eu, us (of asia, eu, us)" in lines


def test_acknowledged_says_someone_is_on_it_and_when() -> None:
    acknowledged = STARTED + timedelta(minutes=7, seconds=30)
    message = render(context("acknowledged", acknowledged_at=acknowledged))
    assert message.title == "[ACKNOWLEDGED] checkout"
    lines = message.text.splitlines()
    assert lines[0].startswith("Someone is on it") and "checkout" in lines[0]
    assert "Acknowledged at: 2026-03-01 09:22:30 UTC" in lines
    assert "What failed" not in message.text
    assert "Down for" not in message.text


def test_html_is_escaped_and_text_is_not() -> None:
    name = "<script>alert(1)</script>"
    cause = 'body did not contain "<ok>" & status was bad'
    message = render(context("down", monitor_name=name, cause=cause))
    assert name in message.text and cause in message.text
    assert message.title == f"[DOWN] {name}"
    assert "<script>" not in message.html and "<ok>" not in message.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html
    assert "&quot;&lt;ok&gt;&quot; &amp; status was bad" in message.html


@pytest.mark.parametrize("type_", ["down", "up", "reminder", "acknowledged"])
def test_every_event_names_the_monitor_and_url_in_both_forms(type_: str) -> None:
    message = render(context(type_, resolved_at=LATER, acknowledged_at=LATER))
    for form in (message.text, message.html):
        assert "checkout" in form
        assert "https://shop.example.com/checkout" in form


def test_a_long_cause_is_cut_at_the_limit() -> None:
    cause = "a" * MAX_CAUSE_CHARS + "b" * 50
    message = render(context("down", cause=cause))
    assert f"What failed: {'a' * MAX_CAUSE_CHARS}…" in message.text.splitlines()
    assert "b" not in message.text.split("What failed: ")[1].splitlines()[0]
    assert f"<b>What failed:</b> {'a' * MAX_CAUSE_CHARS}…<br>" in message.html
    assert "b" * 50 not in message.html


def test_a_cause_of_exactly_the_limit_is_kept_whole() -> None:
    cause = "c" * MAX_CAUSE_CHARS
    message = render(context("down", cause=cause))
    assert f"What failed: {cause}" in message.text.splitlines()
    assert "…" not in message.text


def test_a_digest_lists_every_monitor_once_in_order() -> None:
    contexts = [
        context("down", monitor_name=f"svc-{n}", monitor_url=f"https://svc{n}.example.com/")
        for n in range(12)
    ] + [context("up", monitor_name="svc-up", resolved_at=LATER, cause="was broken")]
    message = render_digest(contexts)
    assert message.title == "[DIGEST] 13 monitor events"
    lines = message.text.splitlines()
    assert lines[0].startswith("13 monitor events")
    listed = lines[2:]
    assert len(listed) == 13
    for n, line in enumerate(listed[:12]):
        assert line == (
            f"DOWN: svc-{n} (https://svc{n}.example.com/): HTTP 503: upstream connect error"
        )
    assert listed[12] == "RECOVERED: svc-up (https://shop.example.com/checkout)"
    for n in range(12):
        assert f"svc-{n} (https://svc{n}.example.com/)" in message.html


def test_a_digest_escapes_html_too() -> None:
    message = render_digest([context("down", monitor_name="<b>x</b>")] * 2)
    assert "<b>x</b>" in message.text
    assert "<b>x</b>" not in message.html and "&lt;b&gt;x&lt;/b&gt;" in message.html


def test_a_browser_checks_down_links_its_failure_screenshot_and_its_recovery_does_not() -> None:
    url = "https://uptime.example.com/monitors/7/screenshots/3"
    down = render(context("down", monitor_kind="browser", screenshot_url=url))
    up = render(context("up", monitor_kind="browser", screenshot_url=url))

    assert f"Screenshot: {url}" in down.text
    assert f"<b>Screenshot:</b> {url}" in down.html
    assert "Screenshot" not in up.text
