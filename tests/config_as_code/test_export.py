"""Export writes what is stored in the file format, short, and reads back as no change."""

from __future__ import annotations

import pytest
import yaml

from betteruptime.config_as_code.document import ConfigError, parse_document
from betteruptime.config_as_code.export import render
from betteruptime.config_as_code.plan import Stored, StoredChannel, StoredMonitor, build_plan
from betteruptime.settings import Settings

SETTINGS = Settings(database_url="sqlite:///unused.db", min_interval=10, _env_file=None)
SOURCE = """
channels:
  - {name: ops, url: 'jsons://user:s3cret@hooks.example.com/alerts'}
  - {name: sms, url: 'json://sms.example.com/'}
monitors:
  - name: api
    url: https://api.example.com/
    headers: {Authorization: Bearer t0ken}
    expected_status: [200, 3xx]
    channels: [ops, {channel: sms, events: [down], delay_minutes: 5}]
  - {name: job, kind: heartbeat, cron: '0 3 * * *', timezone: Europe/Paris, paused: true}
  - {name: resolver, kind: dns, url: 'dns://example.com', expected_values: ['1.2.3.4']}
  - {name: health, kind: json, url: 'https://h.example.com/', json_path: $.ok,
     json_expected: {up: [1, true]}, domain_expiry_days: 30}
  - {name: registration, kind: domain, url: 'domain://example.com', domain_expiry_days: 60}
  - name: checkout
    kind: browser
    url: https://shop.example.com/
    steps:
      - {action: fill, selector: '#q', value: "tab\there"}
      - {action: press, key: Enter}
      - {action: expect_text, text: Total}
"""


def stored_from(text: str) -> Stored:
    """What creating `text`'s monitors and channels would have stored (ids from 1)."""
    plan = build_plan(parse_document(text), Stored(), settings=SETTINGS, default_regions=["eu"])
    return Stored(
        channels=tuple(StoredChannel(i, c.name, c.url) for i, c in enumerate(plan.new_channels, 1)),
        monitors=tuple(
            StoredMonitor(i, m.name, m.values, frozenset(m.links), m.paused)
            for i, m in enumerate(plan.new_monitors, 1)
        ),
    )


def test_exported_text_applied_to_the_same_data_changes_nothing() -> None:
    stored = stored_from(SOURCE)

    again = build_plan(
        parse_document(render(stored)), stored, settings=SETTINGS, default_regions=["us"]
    )

    assert again.summary() == "0 created, 0 updated, 0 deleted"


def test_it_writes_urls_whole_and_leaves_defaults_out_but_not_server_dependent_ones() -> None:
    written = yaml.safe_load(render(stored_from(SOURCE)))

    assert written["channels"][0] == {
        "name": "ops",
        "url": "jsons://user:s3cret@hooks.example.com/alerts",
    }
    assert written["monitors"][0] == {
        "name": "api",
        "kind": "http",
        "url": "https://api.example.com/",
        "headers": {"Authorization": "Bearer t0ken"},
        "interval_seconds": 60,
        "timeout_seconds": 10.0,
        "regions": ["eu"],
        "expected_status": ["200", "3xx"],
        "channels": ["ops", {"channel": "sms", "events": ["down"], "delay_minutes": 5}],
    }
    assert written["monitors"][1]["paused"] is True
    assert "ping_token" not in written["monitors"][1]
    assert written["monitors"][3]["domain_expiry_days"] == 30
    registration = written["monitors"][4]
    assert registration["kind"] == "domain" and registration["url"] == "domain://example.com"
    assert registration["domain_expiry_days"] == 60


def test_two_monitors_with_one_name_cannot_be_exported() -> None:
    stored = stored_from(SOURCE)
    twin = stored.monitors[0]
    clash = Stored(monitors=(twin, StoredMonitor(9, twin.name, twin.values, frozenset(), False)))

    with pytest.raises(ConfigError) as raised:
        render(clash)

    assert raised.value.problems == [
        "2 of your monitors are named 'api': names identify them in a file, "
        "so rename all but one first"
    ]


def test_a_browser_checks_steps_are_written_as_they_were_given() -> None:
    written = yaml.safe_load(render(stored_from(SOURCE)))

    assert written["monitors"][5]["steps"] == [
        {"action": "fill", "selector": "#q", "value": "tab\there"},
        {"action": "press", "key": "Enter"},
        {"action": "expect_text", "text": "Total"},
    ]
