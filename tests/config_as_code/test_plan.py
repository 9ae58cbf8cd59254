"""The plan: a pure comparison of a file with what is stored, by name, after the API's
defaults; every problem reported with its path before anything is planned."""

from __future__ import annotations

from typing import Any

import pytest

from betteruptime.config_as_code.document import MONITOR_FIELDS, ConfigError, parse_document
from betteruptime.config_as_code.plan import (
    Link,
    Plan,
    Stored,
    StoredChannel,
    StoredMonitor,
    build_plan,
)
from betteruptime.settings import Settings

SETTINGS = Settings(database_url="sqlite:///unused.db", min_interval=10, _env_file=None)
DEFAULT_EVENTS = ("down", "up", "reminder", "acknowledged")
HOOK = StoredChannel(1, "ops-hook", "json://hooks.example.com/alerts")


def stored_values(**changes: Any) -> dict[str, Any]:
    """What the database holds for `{name: api, url: https://api.example.com/}` created
    through the API on a server whose live region is `eu`."""
    values: dict[str, Any] = {
        "name": "api",
        "kind": "http",
        "url": "https://api.example.com/",
        "method": "GET",
        "headers": {},
        "body": None,
        "follow_redirects": True,
        "verify_tls": True,
        "interval_seconds": 60,
        "timeout_seconds": 10.0,
        "regions": ["eu"],
        "expected_status": ["200-299"],
        "keyword": None,
        "keyword_mode": "present",
        "json_path": None,
        "json_expected": None,
        "max_response_time_ms": None,
        "assertions": [],
        "steps": [],
        "min_failed_regions": None,
        "failure_threshold": 3,
        "recovery_threshold": 2,
        "tcp_send": None,
        "tcp_expect": None,
        "dns_record_type": None,
        "dns_resolver": None,
        "expected_values": [],
        "ping_count": 3,
        "max_packet_loss_percent": None,
        "tls_expiry_days": None,
        "domain_expiry_days": None,
        "degraded_after_ms": None,
        "period_seconds": None,
        "grace_seconds": None,
        "cron": None,
        "timezone": "UTC",
        "remind_every_minutes": None,
        "tags": [],
        "group": None,
    }
    assert set(values) == set(MONITOR_FIELDS), "a monitor field is missing here"
    return values | changes


def stored_monitor(
    monitor_id: int = 10,
    *,
    links: frozenset[Link] = frozenset(),
    paused: bool = False,
    **changes: Any,
) -> StoredMonitor:
    values = stored_values(**changes)
    return StoredMonitor(monitor_id, values["name"], values, links, paused)


def plan(
    text: str, stored: Stored = Stored(), *, prune: bool = False, regions: tuple[str, ...] = ("eu",)
) -> Plan:
    return build_plan(
        parse_document(text), stored, settings=SETTINGS, default_regions=regions, prune=prune
    )


def problems(text: str, stored: Stored = Stored(), *, prune: bool = False) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        plan(text, stored, prune=prune)
    return raised.value.problems


API = "monitors:\n  - {name: api, url: 'https://api.example.com/'%s}\n"


def api_file(extra: str = "") -> str:
    return API % extra


def test_against_an_empty_account_everything_is_created_with_the_api_defaults() -> None:
    result = plan(
        "channels:\n  - {name: ops-hook, url: 'json://hooks.example.com/alerts'}\n"
        + api_file(", channels: [ops-hook]")
    )

    assert [c.name for c in result.new_channels] == ["ops-hook"]
    [monitor] = result.new_monitors
    assert monitor.values == stored_values()
    assert monitor.links == (Link("ops-hook", DEFAULT_EVENTS, 0),)
    assert result.summary() == "2 created, 0 updated, 0 deleted"


def test_a_monitor_stored_as_the_file_says_is_left_alone() -> None:
    result = plan(api_file(), Stored(monitors=(stored_monitor(),)))

    assert result.summary() == "0 created, 0 updated, 0 deleted"


def test_only_the_fields_that_differ_are_in_the_update() -> None:
    stored = Stored(monitors=(stored_monitor(interval_seconds=30, failure_threshold=5),))

    [change] = plan(api_file(", interval_seconds: 30, method: HEAD"), stored).changed_monitors

    assert change.changes == {"method": "HEAD", "failure_threshold": 3}
    assert change.links is None and change.paused is None


def test_a_field_left_out_means_its_default_even_when_the_stored_one_differs() -> None:
    stored = Stored(monitors=(stored_monitor(interval_seconds=30, timeout_seconds=2.5),))

    [change] = plan(api_file(), stored).changed_monitors

    assert change.changes == {"interval_seconds": 60, "timeout_seconds": 10.0}


def test_regions_left_out_keep_the_stored_ones_and_new_monitors_get_the_live_ones() -> None:
    stored = Stored(monitors=(stored_monitor(regions=["eu", "us"]),))

    assert plan(api_file(), stored, regions=("ap",)).summary().startswith("0 created, 0 updated")
    [new] = plan(api_file(), regions=("ap", "us")).new_monitors
    assert new.values["regions"] == ["ap", "us"]


def test_channel_links_compare_by_name_events_and_delay_in_any_order() -> None:
    pager = StoredChannel(2, "pager", "json://pager.example.com/")
    links = frozenset({Link("ops-hook", DEFAULT_EVENTS), Link("pager", ("down",), 5)})
    stored = Stored(channels=(HOOK, pager), monitors=(stored_monitor(links=links),))
    same = ", channels: [{channel: pager, events: [down], delay_minutes: 5}, ops-hook]"
    later = ", channels: [ops-hook, {channel: pager, events: [down], delay_minutes: 10}]"

    assert plan(api_file(same), stored).changed_monitors == []
    [change] = plan(api_file(later), stored).changed_monitors
    assert change.changes == {}
    assert change.links == (Link("ops-hook", DEFAULT_EVENTS), Link("pager", ("down",), 10))
    assert change.changed() == ["channels"]


def test_paused_left_out_leaves_the_pause_alone_and_given_changes_it() -> None:
    paused = Stored(monitors=(stored_monitor(paused=True),))

    assert plan(api_file(), paused).changed_monitors == []
    assert plan(api_file(", paused: true"), paused).changed_monitors == []
    [change] = plan(api_file(", paused: false"), paused).changed_monitors
    assert change.paused is False and change.changed() == ["paused"]


def test_a_json_true_is_not_the_same_expectation_as_a_json_1() -> None:
    stored = Stored(monitors=(stored_monitor(kind="json", json_path="$.ok", json_expected=1),))

    result = plan(api_file(", kind: json, json_path: $.ok, json_expected: true"), stored)

    [change] = result.changed_monitors
    assert change.changes == {"json_expected": True}


def test_a_channel_whose_url_changed_is_updated_and_its_url_never_printed() -> None:
    text = "channels:\n  - {name: ops-hook, url: 'json://hooks.example.com/new?+Token=s3cret'}\n"

    result = plan(text, Stored(channels=(HOOK,)))

    [change] = result.changed_channels
    assert change.stored == HOOK and change.url.endswith("s3cret")
    assert result.lines() == ['updated channel "ops-hook": url']
    assert "s3cret" not in "\n".join(result.lines(dry_run=True))


def test_without_prune_nothing_is_deleted_and_with_it_everything_unlisted_is() -> None:
    other = stored_monitor(11, name="old")
    stored = Stored(channels=(HOOK,), monitors=(stored_monitor(), other))

    assert plan(api_file(), stored).summary() == "0 created, 0 updated, 0 deleted"
    pruned = plan(api_file(), stored, prune=True)
    assert pruned.deleted_monitors == [other]
    assert pruned.deleted_channels == [HOOK]
    assert pruned.lines() == ['deleted monitor "old"', 'deleted channel "ops-hook"']


def test_a_link_may_name_a_stored_channel_unless_prune_would_delete_it() -> None:
    stored = Stored(channels=(HOOK,))

    [new] = plan(api_file(", channels: [ops-hook]"), stored).new_monitors
    assert new.links == (Link("ops-hook", DEFAULT_EVENTS),)
    assert problems(api_file(", channels: [ops-hook]"), stored, prune=True) == [
        "monitors[0].channels[0]: no channel named 'ops-hook' in the file"
    ]


def test_every_rule_the_api_checks_is_reported_with_its_path_at_once() -> None:
    text = (
        "monitors:\n"
        "  - {name: ok, url: 'https://ok.example.com/'}\n"
        "  - {name: fast, url: 'https://a.example.com/', interval_seconds: 5}\n"
        "  - {name: slow, url: 'https://b.example.com/', interval_seconds: 20, "
        "timeout_seconds: 20}\n"
        "  - {name: words, kind: keyword, url: 'https://c.example.com/', channels: [nope]}\n"
    )

    assert problems(text) == [
        "monitors[3].channels[0]: no channel named 'nope' in the file or among yours",
        "monitors[1].interval_seconds: must be at least 10 seconds, "
        "the minimum interval on this server",
        "monitors[2].timeout_seconds: must be below interval_seconds (20); got 20",
        'monitors[3].keyword: is required for a monitor of kind "keyword"',
    ]


def test_a_name_shared_by_two_stored_monitors_cannot_be_matched() -> None:
    stored = Stored(monitors=(stored_monitor(10), stored_monitor(12)))

    assert problems(api_file(), stored) == [
        "monitors[0].name: 2 of your monitors have this name (ids 10, 12); "
        "rename or delete all but one first"
    ]


def test_a_monitor_left_alone_is_not_held_to_rules_made_after_it_but_a_changed_one_is() -> None:
    # Stored when the minimum interval was lower; the server's minimum is now 10.
    stored = Stored(monitors=(stored_monitor(interval_seconds=5, timeout_seconds=2.5),))
    same = ", interval_seconds: 5, timeout_seconds: 2.5"

    assert plan(api_file(same), stored).summary() == "0 created, 0 updated, 0 deleted"
    assert problems(api_file(same + ", method: HEAD"), stored) == [
        "monitors[0].interval_seconds: must be at least 10 seconds, "
        "the minimum interval on this server"
    ]
