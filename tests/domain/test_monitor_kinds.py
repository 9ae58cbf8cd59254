"""What each kind has, the one function that decides a new monitor's defaults, and
what a change of kind does to the fields: pure functions, no I/O."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from betteruptime.domain.monitor_kinds import (
    KIND_FIELDS,
    MONITOR_FIELDS,
    ServerDefaults,
    changed_values,
    default_interval,
    default_timeout,
    field_defaults,
    fields_of,
    foreign_fields,
    new_monitor_values,
    same_value,
)
from betteruptime.schemas.monitor_fields import SupportedKind
from betteruptime.schemas.monitors import MonitorCreate

SERVER = ServerDefaults(min_interval=10, region="eu-west")


def test_every_kind_has_a_row_and_every_field_of_the_api_body_a_place() -> None:
    assert set(KIND_FIELDS) == set(get_args(SupportedKind))
    links = {"channel_ids", "channel_rules"}
    assert set(MonitorCreate.model_fields) - links == MONITOR_FIELDS


@pytest.mark.parametrize("name", sorted(MONITOR_FIELDS - {"name", "kind"}))
def test_the_api_body_documents_the_defaults_the_domain_gives(name: str) -> None:
    """MonitorCreate's declared defaults are what OpenAPI shows; they must say what an
    http monitor (the default kind) really gets. None there means "the server picks"."""
    declared = MonitorCreate.model_fields[name].get_default(call_default_factory=True)
    given = new_monitor_values({}, SERVER)[name]
    assert declared is None or same_value(declared, given), (declared, given)


def test_defaults_respect_the_minimum_interval_and_cap_the_timeout() -> None:
    assert default_interval(10) == 60
    assert default_interval(300) == 300
    assert default_timeout(10) == 5
    assert default_timeout(3600) == 10


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("http", {"failure_threshold": 3, "recovery_threshold": 2, "tls_expiry_days": None}),
        ("tls", {"tls_expiry_days": 14, "dns_record_type": None}),
        ("dns", {"dns_record_type": "A", "grace_seconds": None}),
        ("heartbeat", {"failure_threshold": 1, "recovery_threshold": 1, "grace_seconds": 60}),
    ],
)
def test_a_new_monitor_gets_its_kinds_defaults(kind: str, expected: dict[str, Any]) -> None:
    values = new_monitor_values({"kind": kind}, SERVER)

    assert {name: values[name] for name in expected} == expected
    assert values["interval_seconds"] == 60 and values["timeout_seconds"] == 10
    assert values["regions"] == ["eu-west"]
    assert set(values) == MONITOR_FIELDS - {"name"}


def test_what_was_sent_wins_and_null_means_the_default_only_where_it_says_so() -> None:
    sent = {
        "kind": "heartbeat",
        "failure_threshold": 3,
        "interval_seconds": None,
        "grace_seconds": None,
        "cron": None,
    }
    server = ServerDefaults(min_interval=120, region="eu-west", live_regions=("a", "b"))

    values = new_monitor_values(sent, server)

    assert values["failure_threshold"] == 3 and values["recovery_threshold"] == 1
    assert values["interval_seconds"] == 120 and values["timeout_seconds"] == 10
    assert values["grace_seconds"] == 60 and values["cron"] is None
    assert values["regions"] == ["a", "b"]


def test_the_defaults_are_fresh_for_every_monitor() -> None:
    first = field_defaults("http")
    first["headers"]["X-Mine"] = "1"
    first["expected_status"].append("301")

    assert field_defaults("http")["headers"] == {}
    assert field_defaults("http")["expected_status"] == ["200-299"]


def _heartbeat() -> dict[str, Any]:
    return new_monitor_values(
        {"kind": "heartbeat", "cron": "0 3 * * *", "timezone": "Europe/Paris", "grace_seconds": 30},
        SERVER,
    )


def test_a_heartbeat_turned_http_keeps_nothing_of_the_heartbeat() -> None:
    changed = changed_values(_heartbeat(), {"kind": "http", "url": "https://example.com/"})

    assert changed == new_monitor_values({"kind": "http", "url": "https://example.com/"}, SERVER)


def test_a_kind_change_keeps_what_both_kinds_have_and_values_someone_chose() -> None:
    http = new_monitor_values(
        {"kind": "http", "url": "https://e.example/", "verify_tls": False, "failure_threshold": 5},
        SERVER,
    )

    tls = changed_values(http, {"kind": "tls"})
    heartbeat = changed_values(http, {"kind": "heartbeat", "period_seconds": 60})

    assert tls["verify_tls"] is False and tls["url"] == "https://e.example/"
    assert tls["tls_expiry_days"] == 14  # http's null was its default; tls's is 14
    assert heartbeat["failure_threshold"] == 5 and heartbeat["recovery_threshold"] == 1
    assert heartbeat["url"] is None and heartbeat["verify_tls"] is True


def test_a_change_without_a_kind_change_clears_what_another_kind_left_behind() -> None:
    # A monitor stored before kinds reset their fields.
    stale = {**new_monitor_values({"kind": "http", "url": "https://e.example/"}, SERVER)}
    stale["cron"] = "0 3 * * *"

    assert changed_values(stale, {"name": "renamed"})["cron"] is None


def test_null_sent_for_a_kind_default_gives_the_default() -> None:
    dns = new_monitor_values({"kind": "dns", "dns_record_type": "MX"}, SERVER)

    assert changed_values(dns, {"dns_record_type": None})["dns_record_type"] == "A"


def test_fields_of_another_kind_are_refused_unless_they_hold_the_default() -> None:
    sent = {"cron": "0 3 * * *", "timezone": "UTC", "headers": {}, "url": "tcp://h:1"}

    problems = foreign_fields("tcp", sent)

    assert [problem.field for problem in problems] == ["cron"]
    assert problems[0].message == (
        'a monitor of kind "tcp" has no cron (only kind heartbeat has it)'
    )
    assert foreign_fields("heartbeat", {"cron": "0 3 * * *"}) == []


def test_every_kind_has_the_common_fields() -> None:
    for kind in KIND_FIELDS:
        assert {"name", "interval_seconds", "failure_threshold"} <= fields_of(kind)
    assert "url" not in fields_of("heartbeat") and "cron" not in fields_of("http")


def test_values_are_the_same_as_json_not_as_python() -> None:
    assert same_value({"a": [1, True]}, {"a": [1, True]})
    assert not same_value(True, 1)
    assert not same_value(None, 0)
