"""Assertions in a file: applied as the API takes them, exported and applied again as
no change, a bad row named by its path."""

from __future__ import annotations

import pytest
import yaml

from betteruptime.config_as_code.document import ConfigError, parse_document
from betteruptime.config_as_code.export import render
from betteruptime.config_as_code.plan import Stored, StoredMonitor, build_plan
from betteruptime.settings import Settings

SETTINGS = Settings(database_url="sqlite:///unused.db", min_interval=10, _env_file=None)
SOURCE = """
monitors:
  - name: api
    url: https://api.example.com/
    assertions:
      - {source: status_code, comparison: equals, target: 200}
      - {source: header, property: Content-Type, comparison: contains, target: json}
      - {source: json_body, property: '$.items[0].state', comparison: equals, target: up}
      - {source: json_body, property: $.items.length, comparison: greater_than, target: 0}
      - {source: response_time, comparison: less_than, target: 800}
      - {source: certificate_days, comparison: greater_than, target: 14}
  - name: cert
    kind: tls
    url: https://api.example.com/
    assertions: [{source: certificate_days, comparison: greater_than, target: 30}]
  - name: flow
    kind: multistep
    steps:
      - name: log in
        method: post
        url: https://api.example.com/login
        body: '{"user": "probe"}'
        extract: {token: {from: $.token, secret: true}, etag: 'header:ETag'}
      - name: orders
        url: 'https://api.example.com/orders/{{etag}}'
        headers: {Authorization: 'Bearer {{token}}'}
        assertions: [{source: json_body, property: $.ok, comparison: equals, target: true}]
"""


def stored_from(text: str) -> Stored:
    plan = build_plan(parse_document(text), Stored(), settings=SETTINGS, default_regions=["eu"])
    return Stored(
        monitors=tuple(
            StoredMonitor(i, m.name, m.values, frozenset(m.links), m.paused)
            for i, m in enumerate(plan.new_monitors, 1)
        ),
    )


def test_assertions_are_exported_as_rows_and_applied_again_as_no_change() -> None:
    stored = stored_from(SOURCE)
    written = render(stored)

    again = build_plan(parse_document(written), stored, settings=SETTINGS, default_regions=["eu"])

    assert again.summary() == "0 created, 0 updated, 0 deleted"
    rows = yaml.safe_load(written)["monitors"][0]["assertions"]
    assert rows[0] == {"source": "status_code", "comparison": "equals", "target": "200"}
    assert rows[2] == {
        "source": "json_body",
        "property": "$.items[0].state",
        "comparison": "equals",
        "target": "up",
    }


def test_steps_are_exported_and_applied_again_as_no_change() -> None:
    stored = stored_from(SOURCE)

    written = yaml.safe_load(render(stored))["monitors"][2]

    assert "url" not in written
    assert written["steps"][0]["extract"] == {
        "token": {"from": "$.token", "secret": True},
        "etag": "header:ETag",
    }
    assert written["steps"][1]["assertions"][0]["target"] == "true"


def test_a_step_using_a_variable_not_extracted_before_is_refused_when_planned() -> None:
    text = SOURCE.replace("etag: 'header:ETag'", "tag: 'header:ETag'")

    with pytest.raises(ConfigError) as raised:
        build_plan(parse_document(text), Stored(), settings=SETTINGS, default_regions=["eu"])

    assert (
        "monitors[2].steps[1].url: {{etag}} is not extracted by an earlier step "
        "(known here: token, tag)"
    ) in str(raised.value)


def test_a_changed_assertion_is_an_update_of_the_assertions() -> None:
    stored = stored_from(SOURCE)
    changed = SOURCE.replace("target: 800", "target: 500")

    plan = build_plan(parse_document(changed), stored, settings=SETTINGS, default_regions=["eu"])

    assert plan.lines() == ['updated monitor "api": assertions']


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("{source: header, comparison: exists}", "monitors[0].assertions[0]: header needs a"),
        ("{source: text_body, comparison: matches, target: '(x'}", "invalid regular expression"),
        ("{source: body, comparison: exists}", "monitors[0].assertions[0].source: Input should"),
    ],
)
def test_a_bad_row_is_named_by_its_path(row: str, problem: str) -> None:
    text = f"monitors:\n  - {{name: a, url: 'https://a.example.com/', assertions: [{row}]}}\n"

    with pytest.raises(ConfigError) as raised:
        parse_document(text)

    assert any(problem in line for line in raised.value.problems), raised.value.problems


def test_a_tls_monitor_with_a_header_assertion_is_refused_when_planned() -> None:
    text = SOURCE.replace(
        "source: certificate_days, comparison: greater_than, target: 30",
        "source: header, property: Server, comparison: exists",
    )

    with pytest.raises(ConfigError) as raised:
        build_plan(parse_document(text), Stored(), settings=SETTINGS, default_regions=["eu"])

    assert "monitors[1].assertions[0]: a tls monitor reads no response" in str(raised.value)
