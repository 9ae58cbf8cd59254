"""The assertion language is pure: every source and comparison, JSON paths, regex limits."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from betteruptime.domain.assertion_language import (
    REGEX_TIMEOUT,
    ResponseFacts,
    assertion_problems,
    judge,
)
from betteruptime.domain.assertions import certificate_failures, evaluate, summarize
from betteruptime.domain.json_path import JsonPathError, json_path_lookup
from betteruptime.domain.messages import Assertion, ProbeSpec

DOCUMENT = {
    "status": "ok",
    "count": 3,
    "ratio": "0.5",
    "items": [{"state": "up"}, {"state": "down"}],
    "tags": ["a", "b"],
    "meta": {"length": 7, "a b": "spaced"},
    "empty": [],
    "none": None,
    "blank": "",
}
FACTS = ResponseFacts(
    status_code=200,
    body=json.dumps(DOCUMENT),
    response_time_ms=120.4,
    body_truncated=False,
    headers={"Content-Type": "application/json; charset=utf-8", "X-Empty": "", "X-N": "42"},
    certificate_days=30,
)
TEXT = ResponseFacts(200, "<h1>Welcome home</h1>", 10.0, False)


def a(
    source: str, comparison: str, target: str | None = None, prop: str | None = None
) -> Assertion:
    return Assertion.model_validate(
        {"source": source, "property": prop, "comparison": comparison, "target": target}
    )


def passes(assertion: Assertion, facts: ResponseFacts = FACTS) -> bool:
    return judge(assertion, facts).passed


def failures(*assertions: Assertion, facts: ResponseFacts = FACTS, **fields: Any) -> list[str]:
    spec = ProbeSpec(monitor_id=1, url="https://x/", assertions=list(assertions), **fields)
    return evaluate(spec, facts)


# --- every source and comparison -------------------------------------------------------

CASES = [
    # status_code: equals takes codes, classes and ranges
    (a("status_code", "equals", "200"), True),
    (a("status_code", "equals", "2xx"), True),
    (a("status_code", "equals", "201-299, 404"), False),
    (a("status_code", "not_equals", "5xx"), True),
    (a("status_code", "not_equals", "200"), False),
    (a("status_code", "greater_than", "199"), True),
    (a("status_code", "greater_than", "200"), False),
    (a("status_code", "less_than", "300"), True),
    (a("status_code", "less_than", "200"), False),
    # header: name case-insensitive, every comparison
    (a("header", "equals", "42", "x-n"), True),
    (a("header", "equals", "43", "X-N"), False),
    (a("header", "not_equals", "43", "X-N"), True),
    (a("header", "greater_than", "41.5", "X-N"), True),
    (a("header", "less_than", "42", "X-N"), False),
    (a("header", "contains", "json", "content-type"), True),
    (a("header", "contains", "html", "Content-Type"), False),
    (a("header", "not_contains", "html", "Content-Type"), True),
    (a("header", "matches", r"^application/(json|xml)", "Content-Type"), True),
    (a("header", "matches", r"^text/", "Content-Type"), False),
    (a("header", "exists", None, "X-Empty"), True),
    (a("header", "exists", None, "X-Missing"), False),
    (a("header", "not_exists", None, "X-Missing"), True),
    (a("header", "not_exists", None, "x-n"), False),
    (a("header", "is_empty", None, "X-Empty"), True),
    (a("header", "is_empty", None, "X-N"), False),
    # json_body
    (a("json_body", "equals", "ok", "$.status"), True),
    (a("json_body", "equals", "3", "$.count"), True),
    (a("json_body", "equals", "3.0", "$.count"), True),
    (a("json_body", "equals", "down", "$.items[0].state"), False),
    (a("json_body", "not_equals", "down", "$.items[0].state"), True),
    (a("json_body", "greater_than", "2", "$.count"), True),
    (a("json_body", "greater_than", "0.5", "$.ratio"), False),
    (a("json_body", "less_than", "1", "$.ratio"), True),
    (a("json_body", "contains", "b", "$.tags"), True),
    (a("json_body", "contains", "c", "$.tags"), False),
    (a("json_body", "contains", "a b", "$.meta"), True),
    (a("json_body", "contains", "k", "$.status"), True),
    (a("json_body", "not_contains", "c", "$.tags"), True),
    (a("json_body", "matches", "^o", "$.status"), True),
    (a("json_body", "matches", "^[0-9]+$", "$.count"), True),
    (a("json_body", "exists", None, "$.none"), True),
    (a("json_body", "exists", None, "$.nope"), False),
    (a("json_body", "not_exists", None, "$.nope"), True),
    (a("json_body", "not_exists", None, "$.status"), False),
    (a("json_body", "is_empty", None, "$.empty"), True),
    (a("json_body", "is_empty", None, "$.none"), True),
    (a("json_body", "is_empty", None, "$.blank"), True),
    (a("json_body", "is_empty", None, "$.tags"), False),
    (a("json_body", "equals", "2", "$.items.length"), True),
    (a("json_body", "equals", "7", "$.meta.length"), True),
    (a("json_body", "equals", "spaced", "$.meta['a b']"), True),
    # response_time (ms) and certificate_days
    (a("response_time", "less_than", "200"), True),
    (a("response_time", "greater_than", "200"), False),
    (a("response_time", "equals", "120.4"), True),
    (a("response_time", "not_equals", "120.4"), False),
    (a("certificate_days", "greater_than", "14"), True),
    (a("certificate_days", "less_than", "14"), False),
    (a("certificate_days", "equals", "30"), True),
    (a("certificate_days", "not_equals", "30"), False),
]


@pytest.mark.parametrize(("assertion", "expected"), CASES)
def test_each_source_and_comparison_judges_the_response(
    assertion: Assertion, expected: bool
) -> None:
    assert passes(assertion) is expected


@pytest.mark.parametrize(
    ("assertion", "expected"),
    [
        (a("text_body", "equals", "<h1>Welcome home</h1>"), True),
        (a("text_body", "not_equals", "<h1>Welcome home</h1>"), False),
        (a("text_body", "contains", "Welcome"), True),
        (a("text_body", "contains", "welcome"), False),
        (a("text_body", "not_contains", "error"), True),
        (a("text_body", "matches", r"(?i)WELCOME\s+home"), True),
        (a("text_body", "is_empty"), False),
        (a("text_body", "greater_than", "1"), False),
    ],
)
def test_the_text_body_is_compared_as_text(assertion: Assertion, expected: bool) -> None:
    assert passes(assertion, TEXT) is expected


def test_an_empty_body_is_empty_and_a_number_body_compares_as_a_number() -> None:
    assert passes(a("text_body", "is_empty"), ResponseFacts(204, "", 1.0, False))
    assert passes(a("text_body", "greater_than", "9"), ResponseFacts(200, " 10\n", 1.0, False))


def test_certificate_days_are_judged_apart_from_the_response() -> None:
    spec = ProbeSpec(
        monitor_id=1, url="https://x/", assertions=[a("certificate_days", "greater_than", "7")]
    )
    now = datetime(2026, 12, 1, tzinfo=UTC)

    assert evaluate(spec, TEXT) == []
    assert certificate_failures(spec, now + timedelta(days=8, hours=1), now=now) == []
    assert certificate_failures(spec, now + timedelta(days=7, hours=23), now=now) == [
        "certificate days left: expected to be greater than 7, got 7"
    ]
    assert certificate_failures(spec, None, now=now) == [
        "certificate days left: expected to be greater than 7, but no certificate was read"
    ]


# --- wording ---------------------------------------------------------------------------


def test_a_failure_names_what_was_expected_and_what_came() -> None:
    assert failures(a("header", "contains", "html", "Content-Type")) == [
        'header Content-Type: expected to contain "html", got "application/json; charset=utf-8"'
    ]
    assert failures(a("json_body", "equals", "down", "$.items[0].state")) == [
        'JSON $.items[0].state: expected to equal "down", got "up"'
    ]
    assert failures(a("status_code", "equals", "201-299")) == [
        "status code: expected to equal 201-299, got 200"
    ]
    assert failures(a("response_time", "less_than", "100")) == [
        "response time: expected to be less than 100 ms, got 120 ms"
    ]


def test_a_missing_header_or_json_path_says_where_it_ends() -> None:
    assert failures(
        a("header", "equals", "1", "X-Missing"), a("json_body", "exists", None, "$.items[5]")
    ) == [
        'header X-Missing: expected to equal "1", but it is missing',
        "JSON $.items[5]: expected to exist, but $.items has 2 items, no index 5",
    ]


def test_a_body_that_is_not_json_fails_every_json_assertion_even_not_exists() -> None:
    assert failures(a("json_body", "not_exists", None, "$.a"), facts=TEXT) == [
        "JSON $.a: expected not to exist, but the body is not valid JSON"
    ]


def test_comparing_text_as_a_number_says_it_is_not_one() -> None:
    assert failures(a("json_body", "greater_than", "1", "$.status")) == [
        'JSON $.status: expected to be greater than 1, got "ok" ("ok" is not a number)'
    ]


def test_every_failure_is_listed_after_the_field_assertions() -> None:
    listed = failures(
        a("header", "exists", None, "X-Trace"),
        a("json_body", "equals", "2", "$.count"),
        a("json_body", "equals", "ok", "$.status"),
        expected_status=["201"],
    )

    assert listed == [
        "status 200, expected 201",
        "header X-Trace: expected to exist, but it is missing",
        'JSON $.count: expected to equal "2", got 3',
    ]


def test_long_values_are_cut_in_messages_and_the_error_text_is_bounded() -> None:
    facts = ResponseFacts(200, "x" * 10_000, 1.0, False)
    many = [a("text_body", "equals", "y" * 900) for _ in range(20)]

    listed = failures(*many, facts=facts)
    error = summarize(listed)

    assert len(listed) == 20
    assert all(len(line) < 250 for line in listed)
    assert error is not None and len(error) <= 2000
    assert error.endswith("more failures")


def test_nothing_failed_summarizes_to_none() -> None:
    assert summarize([]) is None
    assert summarize(["one", "two"]) == "one; two"


# --- regular expressions have a time limit ---------------------------------------------


def test_a_catastrophic_pattern_is_stopped_in_time_and_fails_saying_so() -> None:
    facts = ResponseFacts(200, "a" * 5000 + "!", 1.0, False)
    started = time.perf_counter()

    listed = failures(a("text_body", "matches", "(a|aa)+$"), facts=facts)

    assert time.perf_counter() - started < REGEX_TIMEOUT + 1.0
    assert len(listed) == 1
    assert "the regular expression took longer than 100 ms and was stopped" in listed[0]


# --- checks before saving ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("assertion", "problem"),
    [
        (a("header", "exists"), "header needs a property: a header name"),
        (a("json_body", "exists"), "json_body needs a property: a JSON path"),
        (a("json_body", "exists", None, "$.a["), 'invalid JSON path "$.a["'),
        (a("status_code", "equals", "200", "x"), "status_code takes no property"),
        (a("status_code", "contains", "2"), "status_code cannot be compared by contains"),
        (a("text_body", "exists"), "text_body cannot be compared by exists"),
        (a("header", "equals", None, "X"), "equals needs a target"),
        (a("header", "equals", "", "X"), "equals needs a target"),
        (a("header", "exists", "1", "X"), "exists takes no target"),
        (a("header", "greater_than", "many", "X"), "greater_than needs a number as target"),
        (a("response_time", "equals", "fast"), "equals needs a number as target"),
        (a("status_code", "equals", "ok"), 'invalid status pattern "ok"'),
        (a("status_code", "equals", ","), "status_code needs codes, classes or ranges"),
        (a("text_body", "matches", "(unclosed"), "invalid regular expression"),
        (a("text_body", "matches", "x" * 1001), "at most 1000 characters"),
    ],
)
def test_a_bad_assertion_is_refused_with_what_is_wrong(assertion: Assertion, problem: str) -> None:
    assert any(problem in found for found in assertion_problems(assertion))


@pytest.mark.parametrize(("assertion", "_"), CASES)
def test_every_assertion_of_the_cases_can_be_saved(assertion: Assertion, _: bool) -> None:
    assert assertion_problems(assertion) == []


# --- JSON path edge cases ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.items.length", 2),
        ("$.status.length", 2),
        ("$.meta.length", 7),  # a key named length wins
        ("$.meta['length']", 7),
        ("$.empty.length", 0),
        ("$['meta']['a b']", "spaced"),
        ("$.items[-1].state", "down"),
        ("items.1.state", "down"),
    ],
)
def test_json_paths_read_lengths_quoted_keys_and_negative_indexes(path: str, expected: Any) -> None:
    assert json_path_lookup(DOCUMENT, path) == expected


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("$.count.length", "$.count is a number, it has no length"),
        ("$.none.length", "$.none is null, it has no length"),
        ("$.items['length']", "$.items is an array, not an object"),
    ],
)
def test_a_length_of_what_has_none_is_not_found(path: str, message: str) -> None:
    with pytest.raises(JsonPathError) as caught:
        json_path_lookup(DOCUMENT, path)
    assert str(caught.value).endswith(message)


@pytest.mark.parametrize("path", ["$.items[*]", "$..state", "$.items[0:1]", "$.items[?(@.a)]"])
def test_wildcards_slices_filters_and_descent_are_not_supported(path: str) -> None:
    with pytest.raises(JsonPathError, match="invalid JSON path"):
        json_path_lookup(DOCUMENT, path)
