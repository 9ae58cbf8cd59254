"""Figures as the pages show them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from betteruptime.web.dashboard import display_target
from betteruptime.web.deps import safe_next
from betteruptime.web.formatting import ago, milliseconds, percent, sparkline_path


def test_percent_never_rounds_a_failure_up_to_100() -> None:
    assert percent(100.0) == "100 %"
    assert percent(99.9999) == "99.99 %"
    assert percent(98.5) == "98.50 %"
    assert percent(None) == "\N{EN DASH}"


def test_milliseconds_switch_to_seconds_when_long() -> None:
    assert [milliseconds(v) for v in (12.4, 1234, 12_345)] == ["12 ms", "1.23 s", "12 s"]


def test_ago_is_coarse() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    moments = [timedelta(seconds=5), timedelta(minutes=5), timedelta(hours=5), timedelta(days=5)]
    assert [ago(now - d, now) for d in moments] == ["5 s ago", "5 min ago", "5 h ago", "5 d ago"]
    assert ago(None, now) == "never"


def test_the_sparkline_leaves_gaps_and_scales_to_the_box() -> None:
    path = sparkline_path([100, 200, None, 150, None], width=42, height=12, pad=1)
    assert path == "M1.0 11.0 h0 L11.0 1.0 M31.0 6.0 h0"
    assert sparkline_path([None, None]) == ""
    # One slot, one value (a monitor's first minute): a level line, not a lone dot.
    assert sparkline_path([5.0], width=42, height=12, pad=1) == "M1.0 6.0 H41.0"


def test_a_target_url_is_shown_without_its_password() -> None:
    assert display_target("http", "https://ops:s3cret@x.example/") == "https://ops:***@x.example/"
    assert display_target("http", "https://x.example/a@b") == "https://x.example/a@b"
    assert display_target("heartbeat", None) == "heartbeat (pinged)"


def test_after_sign_in_only_paths_on_this_site_are_followed() -> None:
    assert safe_next("/monitors/3?range=7d") == "/monitors/3?range=7d"
    for outside in ("https://evil.example/", "//evil.example", "/\\evil.example", "", None):
        assert safe_next(outside) == "/"
