"""Assertions are pure: these tests need no server, only specs and response facts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from betteruptime.domain.assertions import (
    JsonPathError,
    ResponseFacts,
    evaluate,
    json_path_lookup,
    json_values_equal,
    parse_status_pattern,
    status_matches,
    validate_json_path,
)
from betteruptime.domain.messages import ProbeSpec

DOCUMENT = {
    "status": "ok",
    "count": 2,
    "healthy": True,
    "items": [{"id": 1, "tags": ["a", "b"]}, {"id": 2, "tags": []}],
    "meta": {"build id": "abc", "it's": "quoted", "0": "zero key"},
    "nothing": None,
}


def spec(**fields: Any) -> ProbeSpec:
    return ProbeSpec(monitor_id=1, url="https://example.com/", **fields)


def facts(
    status_code: int = 200,
    body: str = "<h1>Welcome</h1>",
    response_time_ms: float = 120.0,
    body_truncated: bool = False,
) -> ResponseFacts:
    return ResponseFacts(status_code, body, response_time_ms, body_truncated)


def json_facts(document: Any = DOCUMENT) -> ResponseFacts:
    return facts(body=json.dumps(document))


# --- status patterns ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("200", (200, 200)),
        ("2xx", (200, 299)),
        ("5XX", (500, 599)),
        ("200-299", (200, 299)),
        (" 301 - 308 ", (301, 308)),
    ],
)
def test_it_parses_codes_classes_and_ranges(pattern: str, expected: tuple[int, int]) -> None:
    assert parse_status_pattern(pattern) == expected


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("ok", 'expected a code like "200", a class like "2xx" or a range like "200-299"'),
        ("", "expected a code like"),
        ("6xx", "expected a code like"),
        ("700", "expected a code like"),
        ("20", "expected a code like"),
        ("299-200", "range starts after it ends (299 > 200)"),
        ("200-700", "700 is not an HTTP status code (100-599)"),
    ],
)
def test_it_refuses_bad_status_patterns_with_a_clear_message(pattern: str, message: str) -> None:
    with pytest.raises(ValueError, match="invalid status pattern") as caught:
        parse_status_pattern(pattern)
    assert message in str(caught.value)


def test_it_matches_a_status_against_any_of_several_patterns() -> None:
    patterns = ["200", "3xx", "401-403"]

    assert [status_matches(code, patterns) for code in (200, 204, 302, 402, 404)] == [
        True,
        False,
        True,
        True,
        False,
    ]


def test_an_empty_pattern_list_accepts_every_status() -> None:
    assert status_matches(503, [])


# --- JSON paths ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", DOCUMENT),
        ("$.status", "ok"),
        ("status", "ok"),
        ("$.items[0].id", 1),
        ("$.items[1].id", 2),
        ("items.0.tags.1", "b"),
        ("$.items[-1].id", 2),
        ("$['meta'][\"build id\"]", "abc"),
        ('$.meta["it\'s"]', "quoted"),
        ("$['meta']['it\\'s']", "quoted"),
        ("meta.0", "zero key"),
        ("$.nothing", None),
        ("  $.count  ", 2),
    ],
)
def test_it_looks_up_json_paths(path: str, expected: Any) -> None:
    assert json_path_lookup(DOCUMENT, path) == expected


def test_it_looks_up_a_path_in_a_top_level_array() -> None:
    assert json_path_lookup([{"a": 1}], "[0].a") == 1


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("$.missing", '$ has no key "missing"'),
        ("$.items[5]", "$.items has 2 items, no index 5"),
        ("$.items.first", "$.items is an array, not an object"),
        ("$.meta[0]", "$.meta is an object, not an array"),
        ("$.status.value", "$.status is a string, not an object or array"),
        ("$.nothing.x", "$.nothing is null, not an object or array"),
        ('$.meta["build id"].x', '$.meta["build id"] is a string, not an object or array'),
    ],
)
def test_it_says_where_a_json_path_leads_nowhere(path: str, message: str) -> None:
    with pytest.raises(JsonPathError) as caught:
        json_path_lookup(DOCUMENT, path)
    assert str(caught.value) == f"JSON path {path} not found: {message}"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("", "it is empty"),
        ("$.", 'empty key after "."'),
        ("a..b", 'empty key after "."'),
        ("$.items[", '"[" is never closed'),
        ("$.items[x]", 'expected an index or a quoted key in brackets, got "[x]"'),
        ("$.items[*]", 'got "[*]"'),
        ("$['a'", "unterminated ['...']"),
        ("$x", 'unexpected "x", expected "." or "["'),
        ("$.a]", 'unexpected "]"'),
    ],
)
def test_it_refuses_malformed_json_paths(path: str, message: str) -> None:
    with pytest.raises(JsonPathError, match="invalid JSON path") as caught:
        validate_json_path(path)
    assert message in str(caught.value)


def test_a_json_path_error_is_a_value_error() -> None:
    assert issubclass(JsonPathError, ValueError)


def test_validating_a_json_path_returns_it_stripped() -> None:
    assert validate_json_path("  $.a[0]['b c'] ") == "$.a[0]['b c']"


@pytest.mark.parametrize(
    ("actual", "expected", "equal"),
    [
        ("ok", "ok", True),
        (1, "1", True),
        (1, 1.0, True),
        (True, "true", True),
        (None, "null", True),
        ({"a": [1, 2]}, {"a": [1, 2]}, True),
        (True, 1, False),
        ("ok", "OK", False),
        (2, 3, False),
    ],
)
def test_it_compares_json_values_as_json_or_as_text(
    actual: Any, expected: Any, equal: bool
) -> None:
    assert json_values_equal(actual, expected) is equal


# --- evaluation ---------------------------------------------------------------------


def test_it_passes_a_response_that_meets_every_assertion() -> None:
    full = spec(keyword="Welcome", max_response_time_ms=500)

    assert evaluate(full, facts()) == []


def test_it_reports_an_unexpected_status() -> None:
    assert evaluate(spec(), facts(status_code=503)) == ["status 503, expected 200-299"]


def test_it_lists_every_accepted_status_in_the_message() -> None:
    failures = evaluate(spec(expected_status=["200", "3xx"]), facts(status_code=404))

    assert failures == ["status 404, expected 200, 3xx"]


def test_it_reports_an_invalid_status_pattern_instead_of_raising() -> None:
    failures = evaluate(spec(expected_status=["ok"]), facts())

    assert len(failures) == 1
    assert failures[0].startswith('invalid status pattern "ok"')


def test_it_reports_a_missing_keyword() -> None:
    failures = evaluate(spec(kind="keyword", keyword="Goodbye"), facts())

    assert failures == ['keyword "Goodbye" not found in the response body']


def test_it_matches_keywords_case_sensitively() -> None:
    assert evaluate(spec(keyword="welcome"), facts()) != []


def test_it_reports_a_keyword_that_should_be_absent() -> None:
    failures = evaluate(spec(keyword="Welcome", keyword_mode="absent"), facts())

    assert failures == ['keyword "Welcome" found in the response body (expected absent)']


def test_it_passes_when_an_unwanted_keyword_is_absent() -> None:
    assert evaluate(spec(keyword="error", keyword_mode="absent"), facts()) == []


def test_it_says_when_a_missing_keyword_may_be_beyond_a_truncated_body() -> None:
    failures = evaluate(spec(keyword="end"), facts(body_truncated=True))

    assert failures == [
        'keyword "end" not found in the response body (body truncated, only its start was searched)'
    ]


def test_it_checks_a_keyword_set_on_a_plain_http_monitor() -> None:
    assert evaluate(spec(kind="http", keyword="Goodbye"), facts()) != []


def test_it_fails_a_keyword_monitor_without_a_keyword() -> None:
    assert evaluate(spec(kind="keyword"), facts()) == ["keyword monitor has no keyword to look for"]


def test_it_passes_a_json_path_with_the_expected_value() -> None:
    checked = spec(kind="json", json_path="$.items[1].id", json_expected="2")

    assert evaluate(checked, json_facts()) == []


def test_it_reports_a_json_value_mismatch() -> None:
    checked = spec(kind="json", json_path="$.status", json_expected="ok")

    failures = evaluate(checked, json_facts({"status": "degraded"}))

    assert failures == ['JSON path $.status is "degraded", expected "ok"']


def test_it_quotes_non_string_json_values_as_json() -> None:
    checked = spec(kind="json", json_path="$.healthy", json_expected=False)

    assert evaluate(checked, json_facts()) == ["JSON path $.healthy is true, expected false"]


def test_it_shortens_long_json_values_in_messages() -> None:
    checked = spec(kind="json", json_path="$.blob", json_expected="short")

    (failure,) = evaluate(checked, json_facts({"blob": "x" * 500}))

    assert len(failure) < 150
    assert failure.endswith('…, expected "short"')


def test_it_accepts_any_value_when_no_json_value_is_expected() -> None:
    assert evaluate(spec(kind="json", json_path="$.nothing"), json_facts()) == []


def test_it_reports_a_missing_json_path() -> None:
    failures = evaluate(spec(kind="json", json_path="$.uptime"), json_facts())

    assert failures == ['JSON path $.uptime not found: $ has no key "uptime"']


def test_it_reports_a_body_that_is_not_json() -> None:
    failures = evaluate(spec(kind="json", json_path="$.status"), facts(body="<html>"))

    assert failures == ["response body is not valid JSON"]


def test_it_mentions_truncation_when_a_truncated_body_is_not_json() -> None:
    failures = evaluate(spec(json_path="$.a"), facts(body='{"a": ', body_truncated=True))

    assert failures == ["response body is not valid JSON (body truncated)"]


def test_it_fails_a_json_monitor_without_a_path() -> None:
    assert evaluate(spec(kind="json"), json_facts()) == ["JSON monitor has no JSON path to check"]


def test_it_reports_a_slow_response() -> None:
    failures = evaluate(spec(max_response_time_ms=1000), facts(response_time_ms=1520.4))

    assert failures == ["response took 1520 ms, expected at most 1000 ms"]


def test_it_accepts_a_response_exactly_at_the_time_limit() -> None:
    assert evaluate(spec(max_response_time_ms=1000), facts(response_time_ms=1000.0)) == []


def test_it_reports_every_failed_assertion_in_order() -> None:
    checked = spec(keyword="Welcome", json_path="$.status", max_response_time_ms=100)

    failures = evaluate(checked, facts(status_code=500, body="oops", response_time_ms=300))

    assert failures == [
        "status 500, expected 200-299",
        "response took 300 ms, expected at most 100 ms",
        'keyword "Welcome" not found in the response body',
        "response body is not valid JSON",
    ]
