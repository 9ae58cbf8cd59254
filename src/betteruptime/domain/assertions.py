"""Judging a response against a monitor's assertions: pure functions, no I/O.

A probe turns what it saw into :class:`ResponseFacts`; :func:`evaluate` returns one
human-readable message per failed assertion, saying what was expected and what came.

The monitor fields that predate the assertion language (`expected_status`,
`max_response_time_ms`, `keyword`/`keyword_mode`, `json_path`/`json_expected`) are
assertions too (:func:`field_assertions`): judged by the same code as the monitor's
`assertions`, and only worded as they always were, so their messages do not change.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from betteruptime.domain.assertion_language import (
    RESPONSE_SOURCES,
    ResponseFacts,
    Verdict,
    failure_text,
    json_values_equal,
    judge,
    quote_value,
)
from betteruptime.domain.json_path import JsonPathError, json_path_lookup, validate_json_path
from betteruptime.domain.messages import Assertion, AssertionComparison, ProbeSpec
from betteruptime.domain.status_codes import (
    MAX_STATUS,
    MIN_STATUS,
    parse_status_pattern,
    status_matches,
)
from betteruptime.domain.verdicts import days_left, slower_than

__all__ = [
    "MAX_STATUS",
    "MIN_STATUS",
    "JsonPathError",
    "ResponseFacts",
    "evaluate",
    "json_path_lookup",
    "json_values_equal",
    "parse_status_pattern",
    "status_matches",
    "summarize",
    "validate_json_path",
]

# An error text lists every failure, up to this many characters.
MAX_ERROR = 2000

Wording = Callable[[Assertion, Verdict, ResponseFacts], str]


@dataclass(frozen=True)
class _Check:
    """An assertion, the target it is judged against, and how its failure is worded;
    or, with `fixed`, a failure whatever the response (a kind missing its field)."""

    assertion: Assertion | None
    target: Any = None
    wording: Wording | None = None
    fixed: str | None = None
    fixed_source: str | None = None

    @property
    def source(self) -> str | None:
        return self.assertion.source if self.assertion else self.fixed_source


def _status_wording(assertion: Assertion, verdict: Verdict, facts: ResponseFacts) -> str:
    if verdict.problem:  # a malformed pattern, stored before patterns were checked
        return verdict.problem
    return f"status {facts.status_code}, expected {assertion.target}"


def _time_wording(assertion: Assertion, verdict: Verdict, facts: ResponseFacts) -> str:
    return slower_than(facts.response_time_ms, int(assertion.target or 0)) or ""


def _keyword_wording(assertion: Assertion, verdict: Verdict, facts: ResponseFacts) -> str:
    keyword = quote_value(assertion.target)
    if assertion.comparison == "not_contains":
        return f"keyword {keyword} found in the response body (expected absent)"
    note = " (body truncated, only its start was searched)" if facts.body_truncated else ""
    return f"keyword {keyword} not found in the response body{note}"


def _json_wording(expected: Any) -> Wording:
    def wording(assertion: Assertion, verdict: Verdict, facts: ResponseFacts) -> str:
        if verdict.unreadable or verdict.missing:
            return verdict.unreadable or verdict.missing or ""
        path, actual = (assertion.property or "").strip(), quote_value(verdict.actual)
        return f"JSON path {path} is {actual}, expected {quote_value(expected)}"

    return wording


def field_assertions(spec: ProbeSpec) -> list[_Check]:
    """The monitor fields that are assertions, as assertions, in the order they are
    reported: status, response time, keyword, JSON path."""
    checks: list[_Check] = []
    if spec.expected_status:
        status = Assertion.model_construct(
            source="status_code", comparison="equals", target=", ".join(spec.expected_status)
        )
        checks.append(_Check(status, wording=_status_wording))
    if spec.max_response_time_ms is not None:
        limit = str(spec.max_response_time_ms)
        slow = Assertion.model_construct(source="response_time", comparison="at_most", target=limit)
        checks.append(_Check(slow, wording=_time_wording))
    if spec.keyword is not None:
        comparison: AssertionComparison = (
            "contains" if spec.keyword_mode == "present" else "not_contains"
        )
        keyword = Assertion.model_construct(
            source="text_body", comparison=comparison, target=spec.keyword
        )
        checks.append(_Check(keyword, wording=_keyword_wording))
    elif spec.kind == "keyword":
        missing = "keyword monitor has no keyword to look for"
        checks.append(_Check(None, fixed=missing, fixed_source="text_body"))
    if spec.json_path is not None:
        expected = spec.json_expected
        path = Assertion.model_construct(
            source="json_body",
            property=spec.json_path,
            comparison="exists" if expected is None else "equals",
        )
        checks.append(_Check(path, target=expected, wording=_json_wording(expected)))
    elif spec.kind == "json":
        missing = "JSON monitor has no JSON path to check"
        checks.append(_Check(None, fixed=missing, fixed_source="json_body"))
    return checks


def _user_wording(assertion: Assertion, verdict: Verdict, facts: ResponseFacts) -> str:
    return failure_text(assertion, verdict, truncated=facts.body_truncated)


def evaluate(
    spec: ProbeSpec, facts: ResponseFacts, *, sources: Collection[str] = RESPONSE_SOURCES
) -> list[str]:
    """One failure message per failed assertion of `spec`; empty when everything passed.

    The fields that are assertions come first (see :func:`field_assertions`), then the
    monitor's `assertions` in their order; each is judged on its own, so a response
    that breaks several reports each. Only assertions on `sources` are judged: the
    response's by default (the certificate is judged apart, see
    :func:`certificate_failures`). A keyword or
    JSON path set on any kind of monitor is checked; `keyword` and `json` monitors
    without one fail, since they could never detect anything.
    """
    failures: list[str] = []
    checks = field_assertions(spec) + [_Check(a, wording=_user_wording) for a in spec.assertions]
    for check in checks:
        if check.source not in sources:
            continue
        if check.assertion is None:
            failures.append(check.fixed or "")
            continue
        verdict = judge(check.assertion, facts, check.target)
        if not verdict.passed:
            wording = check.wording or _user_wording
            failures.append(wording(check.assertion, verdict, facts))
    return failures


def certificate_failures(
    spec: ProbeSpec, expires_at: datetime | None, *, now: datetime
) -> list[str]:
    """The monitor's certificate_days assertions judged against a certificate that
    expires at `expires_at` (None: none was read)."""
    if not wants_certificate_days(spec):
        return []
    days = None if expires_at is None else days_left(expires_at, now)
    facts = ResponseFacts(0, "", 0.0, False, certificate_days=days)
    return evaluate(spec, facts, sources=("certificate_days",))


def wants_certificate_days(spec: ProbeSpec) -> bool:
    return any(assertion.source == "certificate_days" for assertion in spec.assertions)


def summarize(failures: Sequence[str]) -> str | None:
    """Every failure in one error text, cut to MAX_ERROR characters (saying how many
    more there were); None when there is none."""
    text = ""
    for shown, failure in enumerate(failures):
        joined = f"{text}; {failure}" if text else failure
        if len(joined) > MAX_ERROR:
            rest = len(failures) - shown
            more = f" … and {rest} more failure{'s' if rest > 1 else ''}"
            return (text or failure[: MAX_ERROR - len(more)]) + more
        text = joined
    return text or None
