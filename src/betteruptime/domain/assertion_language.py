"""The assertion language: `{source, property, comparison, target}` judged against what a
probe saw. Pure: no I/O.

`assertion_problems` says what is wrong with an assertion before it is saved (the API
answers 422 with it); `judge` reads the value an assertion is about from
:class:`ResponseFacts` and compares it; `failure_text` words a failed verdict as
``header Content-Type: expected to contain "json", got "text/html"``.

Regular expressions run on the `regex` package with a time limit (`REGEX_TIMEOUT`):
Python's `re` cannot be interrupted, so one catastrophic pattern would hold the
worker's event loop; a pattern that runs out of time fails its assertion, saying so.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import regex

from betteruptime.domain.json_path import JsonPathError, json_path_lookup, validate_json_path
from betteruptime.domain.messages import Assertion
from betteruptime.domain.status_codes import parse_status_pattern, status_matches

# Seconds one regular expression may take against one value.
REGEX_TIMEOUT = 0.1
MAX_PATTERN = 1000
MAX_TARGET = 1000
# Values quoted in messages are cut to this many characters.
MAX_QUOTED = 80

NUMERIC_SOURCES = frozenset({"status_code", "response_time", "certificate_days"})
# What each source can be compared by: a number has no "contains", a body always exists.
_NUMBER_COMPARISONS = frozenset({"equals", "not_equals", "greater_than", "less_than"})
_TEXT_COMPARISONS = _NUMBER_COMPARISONS | {"contains", "not_contains", "matches", "is_empty"}
_EVERY_COMPARISON = _TEXT_COMPARISONS | {"exists", "not_exists"}
COMPARISONS_OF: Mapping[str, frozenset[str]] = {
    "status_code": _NUMBER_COMPARISONS,
    "header": _EVERY_COMPARISON,
    "json_body": _EVERY_COMPARISON,
    "text_body": _TEXT_COMPARISONS,
    "response_time": _NUMBER_COMPARISONS,
    "certificate_days": _NUMBER_COMPARISONS,
}
# What a response shows; the certificate is read by a check of its own.
RESPONSE_SOURCES = frozenset(COMPARISONS_OF) - {"certificate_days"}
WITH_PROPERTY = frozenset({"header", "json_body"})
WITHOUT_TARGET = frozenset({"exists", "not_exists", "is_empty"})
NUMBER_TARGET = frozenset({"greater_than", "less_than"})
_VERBS = {
    "equals": "to equal",
    "not_equals": "not to equal",
    "greater_than": "to be greater than",
    "less_than": "to be less than",
    "at_most": "to be at most",
    "contains": "to contain",
    "not_contains": "not to contain",
    "matches": "to match",
    "exists": "to exist",
    "not_exists": "not to exist",
    "is_empty": "to be empty",
}


@dataclass(frozen=True)
class ResponseFacts:
    """What a probe saw of one response; the input of every judgement."""

    status_code: int
    body: str
    response_time_ms: float
    # True when the probe stopped reading before the end of the body.
    body_truncated: bool
    headers: Mapping[str, str] = field(default_factory=dict)
    # Whole days until the certificate expires (negative once expired); None: not read.
    certificate_days: int | None = None

    @cached_property
    def document(self) -> tuple[bool, Any]:
        """(True, the body as JSON), or (False, None) when it is not JSON; parsed once."""
        try:
            return True, json.loads(self.body)
        except ValueError:
            return False, None

    @cached_property
    def header_map(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers.items()}


@dataclass(frozen=True)
class Verdict:
    """How one assertion fared: passed or not, the value read (when there was one),
    why there was none (`missing`: absent; `unreadable`: the body is not JSON), or what
    kept the comparison from being made (`problem`)."""

    passed: bool
    actual: Any = None
    missing: str | None = None
    unreadable: str | None = None
    problem: str | None = None


# --- checking an assertion before it is saved ------------------------------------------


def assertion_problems(assertion: Assertion) -> list[str]:
    """What is wrong with `assertion`, one sentence each; empty when it can be saved."""
    source, comparison = assertion.source, assertion.comparison
    problems: list[str] = []
    if comparison not in COMPARISONS_OF[source]:
        allowed = ", ".join(sorted(COMPARISONS_OF[source]))
        problems.append(f"{source} cannot be compared by {comparison} (only {allowed})")
    problems += _property_problems(assertion)
    problems += _target_problems(assertion)
    return problems


def _property_problems(assertion: Assertion) -> list[str]:
    prop = assertion.property
    if assertion.source not in WITH_PROPERTY:
        return [] if prop is None else [f"{assertion.source} takes no property"]
    if not prop:
        what = "a header name" if assertion.source == "header" else "a JSON path such as $.status"
        return [f"{assertion.source} needs a property: {what}"]
    if assertion.source == "json_body":
        try:
            validate_json_path(prop)
        except JsonPathError as error:
            return [str(error)]
    return []


def _target_problems(assertion: Assertion) -> list[str]:
    target, comparison = assertion.target, assertion.comparison
    if comparison in WITHOUT_TARGET:
        return [] if target is None else [f"{comparison} takes no target"]
    if target is None or target == "":
        return [f"{comparison} needs a target"]
    if len(target) > MAX_TARGET:
        return [f"a target has at most {MAX_TARGET} characters"]
    if comparison in NUMBER_TARGET or (
        assertion.source in NUMERIC_SOURCES and assertion.source != "status_code"
    ):
        return [] if _number(target) is not None else [f"{comparison} needs a number as target"]
    if assertion.source == "status_code":
        return _status_problems(target)
    if comparison == "matches":
        return _pattern_problems(target)
    return []


def _status_problems(target: str) -> list[str]:
    patterns = _patterns(target)
    if not patterns:
        return ['status_code needs codes, classes or ranges as target, such as "200, 3xx"']
    try:
        for pattern in patterns:
            parse_status_pattern(pattern)
    except ValueError as error:
        return [str(error)]
    return []


def _pattern_problems(pattern: str) -> list[str]:
    if len(pattern) > MAX_PATTERN:
        return [f"a regular expression has at most {MAX_PATTERN} characters"]
    try:
        regex.compile(pattern)
    except regex.error as error:
        return [f"invalid regular expression: {error}"]
    return []


# --- judging -------------------------------------------------------------------------


def judge(assertion: Assertion, facts: ResponseFacts, target: Any = None) -> Verdict:
    """Read the value `assertion` is about from `facts` and compare it; `target`
    overrides the assertion's (a JSON value for the json_expected field)."""
    wanted = assertion.target if target is None else target
    value = _read(assertion, facts)
    if isinstance(value, Verdict):  # nothing to compare
        if assertion.comparison == "not_exists" and value.unreadable is None:
            return Verdict(passed=True, missing=value.missing)
        return value
    if assertion.comparison == "not_exists":
        return Verdict(passed=False, actual=value)
    try:
        passed = _compare(assertion, value, wanted)
    except (_CannotCompare, ValueError) as cannot:  # ValueError: a bad status pattern
        return Verdict(passed=False, actual=value, problem=str(cannot))
    return Verdict(passed=passed, actual=value)


def _read(assertion: Assertion, facts: ResponseFacts) -> Any:
    source = assertion.source
    if source == "status_code":
        return facts.status_code
    if source == "response_time":
        return facts.response_time_ms
    if source == "text_body":
        return facts.body
    if source == "certificate_days":
        if facts.certificate_days is None:
            return Verdict(passed=False, missing="no certificate was read")
        return facts.certificate_days
    if source == "header":
        found = facts.header_map.get((assertion.property or "").lower())
        return Verdict(passed=False, missing="it is missing") if found is None else found
    parsed, document = facts.document
    if not parsed:
        note = " (body truncated)" if facts.body_truncated else ""
        return Verdict(passed=False, unreadable=f"response body is not valid JSON{note}")
    try:
        return json_path_lookup(document, assertion.property or "$")
    except JsonPathError as error:
        return Verdict(passed=False, missing=str(error))


class _CannotCompare(Exception):
    """The value cannot be compared as asked: not a number, a pattern out of time."""


def _compare(assertion: Assertion, actual: Any, target: Any) -> bool:
    comparison = assertion.comparison
    if comparison == "exists":
        return True
    if comparison == "is_empty":
        return actual in ("", None) or (isinstance(actual, list | dict) and not actual)
    if comparison in ("equals", "not_equals"):
        return _equal(assertion.source, actual, target) == (comparison == "equals")
    if comparison in ("greater_than", "less_than", "at_most"):
        number, limit = _number(actual), _number(target)
        if number is None or limit is None:
            raise _CannotCompare(f"{_shown(actual)} is not a number")
        if comparison == "greater_than":
            return number > limit
        return number < limit if comparison == "less_than" else number <= limit
    if comparison in ("contains", "not_contains"):
        return _contains(actual, target) == (comparison == "contains")
    return _matches(str(target), _text(actual))


def _equal(source: str, actual: Any, target: Any) -> bool:
    if source == "status_code":
        return status_matches(int(actual), _patterns(str(target)))
    if source in NUMERIC_SOURCES:
        return _number(actual) == _number(target)
    if source == "json_body":
        return json_values_equal(actual, target)
    return bool(actual == target)


def _contains(actual: Any, target: Any) -> bool:
    if isinstance(actual, str):
        return _text(target) in actual
    if isinstance(actual, list):
        return any(json_values_equal(item, target) for item in actual)
    if isinstance(actual, dict):
        return _text(target) in actual
    return _text(target) in _text(actual)


def _matches(pattern: str, text: str) -> bool:
    try:
        return regex.search(pattern, text, timeout=REGEX_TIMEOUT) is not None
    except TimeoutError:
        raise _CannotCompare(
            f"the regular expression took longer than {REGEX_TIMEOUT * 1000:.0f} ms and was stopped"
        ) from None
    except regex.error as error:
        raise _CannotCompare(f"invalid regular expression: {error}") from None


def _patterns(target: str) -> list[str]:
    """ "200, 3xx" → ["200", "3xx"]: status_code equals takes codes, classes and ranges."""
    return [part.strip() for part in target.split(",") if part.strip()]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def json_values_equal(actual: Any, expected: Any) -> bool:
    """Equal as JSON values, or equal as text (so "1" matches 1 and "true" matches true);
    a number equals text that reads as the same number ("1.0" matches 1)."""
    if _is_number(actual) and (_is_number(expected) or isinstance(expected, str)):
        return _number(actual) == _number(expected)
    if json.dumps(actual, sort_keys=True) == json.dumps(expected, sort_keys=True):
        return True
    return _text(actual) == _text(expected) or str(actual) == str(expected)


def _is_number(value: Any) -> bool:
    # bool is an int in Python but not a number in JSON: true must not equal 1.
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- wording -------------------------------------------------------------------------


def quote_value(value: Any) -> str:
    """A value as JSON, cut to MAX_QUOTED characters."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 1] + "…"


def subject(assertion: Assertion) -> str:
    """What an assertion is about, as its failures name it."""
    if assertion.source == "header":
        return f"header {assertion.property}"
    if assertion.source == "json_body":
        return f"JSON {(assertion.property or '$').strip()}"
    return {
        "status_code": "status code",
        "text_body": "response body",
        "response_time": "response time",
        "certificate_days": "certificate days left",
    }[assertion.source]


def failure_text(assertion: Assertion, verdict: Verdict, *, truncated: bool = False) -> str:
    """A failed verdict in words: `subject: expected <comparison> <target>, got <value>`."""
    expected = f"expected {_VERBS[assertion.comparison]}"
    if assertion.comparison not in WITHOUT_TARGET:
        expected += f" {_target_text(assertion)}"
    head = f"{subject(assertion)}: {expected}"
    if verdict.unreadable:
        return f"{head}, but the {verdict.unreadable.removeprefix('response ')}"
    if verdict.missing is not None:
        return f"{head}, but {_missing_text(verdict.missing)}"
    got = _shown_for(assertion, verdict.actual)
    note = f" ({verdict.problem})" if verdict.problem else ""
    if truncated and assertion.source == "text_body":
        note += " (body truncated, only its start was read)"
    return f"{head}, got {got}{note}"


def _missing_text(missing: str) -> str:
    _, found, where = missing.partition(" not found: ")
    return where if found else missing


def _target_text(assertion: Assertion) -> str:
    target = assertion.target or ""
    if assertion.source == "status_code":
        return target
    if assertion.source in NUMERIC_SOURCES or assertion.comparison in NUMBER_TARGET:
        unit = " ms" if assertion.source == "response_time" else ""
        return f"{target}{unit}"
    return quote_value(target)


def _shown_for(assertion: Assertion, actual: Any) -> str:
    if assertion.source == "response_time" and _is_number(actual):
        return f"{actual:.0f} ms"
    return _shown(actual)


def _shown(actual: Any) -> str:
    if _is_number(actual):
        return f"{actual:g}" if isinstance(actual, float) else str(actual)
    return quote_value(actual)
