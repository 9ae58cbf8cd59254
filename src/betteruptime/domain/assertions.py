"""Judging a response against a monitor's assertions: pure functions, no I/O.

A probe turns what it saw into :class:`ResponseFacts`; :func:`evaluate` returns one
human-readable message per failed assertion, saying what was expected and what came.
The API calls :func:`parse_status_pattern` and :func:`validate_json_path` so that a bad
monitor is refused when it is saved rather than reported as down forever.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from betteruptime.domain.messages import ProbeSpec
from betteruptime.domain.verdicts import response_time_failure

MIN_STATUS = 100
MAX_STATUS = 599
# Values quoted in messages are cut to this many characters, so one huge JSON
# value cannot turn an error text into a wall of data.
_MAX_QUOTED = 80

_STATUS_CODE = re.compile(r"[1-5][0-9]{2}")
_STATUS_CLASS = re.compile(r"([1-5])xx", re.IGNORECASE)
_STATUS_RANGE = re.compile(r"([0-9]{3})\s*-\s*([0-9]{3})")


# --- status codes -----------------------------------------------------------------


def parse_status_pattern(pattern: str) -> tuple[int, int]:
    """Parse "200", "2xx" or "200-299" into an inclusive (low, high) range.

    Raises ValueError, with a message fit to show a user, for anything else.
    """
    text = pattern.strip()
    if _STATUS_CODE.fullmatch(text):
        return int(text), int(text)
    if match := _STATUS_CLASS.fullmatch(text):
        low = int(match.group(1)) * 100
        return low, low + 99
    if match := _STATUS_RANGE.fullmatch(text):
        low, high = int(match.group(1)), int(match.group(2))
        for code in (low, high):
            if not MIN_STATUS <= code <= MAX_STATUS:
                raise ValueError(
                    f'invalid status pattern "{pattern}": {code} is not an HTTP status code '
                    f"({MIN_STATUS}-{MAX_STATUS})"
                )
        if low > high:
            raise ValueError(
                f'invalid status pattern "{pattern}": range starts after it ends ({low} > {high})'
            )
        return low, high
    raise ValueError(
        f'invalid status pattern "{pattern}": expected a code like "200", '
        f'a class like "2xx" or a range like "200-299"'
    )


def status_matches(code: int, patterns: Sequence[str]) -> bool:
    """Whether `code` matches any of `patterns`; an empty list accepts every status.

    Raises ValueError if a pattern is malformed (see :func:`parse_status_pattern`).
    """
    if not patterns:
        return True
    ranges = [parse_status_pattern(pattern) for pattern in patterns]
    return any(low <= code <= high for low, high in ranges)


# --- JSON paths -------------------------------------------------------------------


class JsonPathError(ValueError):
    """A JSON path is malformed, or does not lead to a value in a document."""


@dataclass(frozen=True)
class _Step:
    """One path step. A dotted name ("a.0") may be a key or an index, so it has both."""

    key: str | None
    index: int | None

    def render(self) -> str:
        if self.key is None:
            return f"[{self.index}]"
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.key):
            return f".{self.key}"
        return f"[{json.dumps(self.key)}]"


def _parse_json_path(path: str) -> list[_Step]:
    text = path.strip()
    if not text:
        raise JsonPathError("invalid JSON path: it is empty")
    # "a.b" and "[0]" are shorthands for "$.a.b" and "$[0]".
    if not text.startswith("$"):
        text = "$" + text if text.startswith("[") else "$." + text
    steps: list[_Step] = []
    pos = 1
    while pos < len(text):
        char = text[pos]
        if char == ".":
            pos, step = _parse_dotted(path, text, pos + 1)
        elif char == "[":
            pos, step = _parse_bracket(path, text, pos + 1)
        else:
            raise JsonPathError(
                f'invalid JSON path "{path}": unexpected "{char}", expected "." or "["'
            )
        steps.append(step)
    return steps


def _parse_dotted(path: str, text: str, pos: int) -> tuple[int, _Step]:
    end = pos
    while end < len(text) and text[end] not in ".[":
        if text[end] in "]'\"":
            raise JsonPathError(f'invalid JSON path "{path}": unexpected "{text[end]}"')
        end += 1
    name = text[pos:end]
    if not name:
        raise JsonPathError(f'invalid JSON path "{path}": empty key after "."')
    index = int(name) if re.fullmatch(r"-?[0-9]+", name) else None
    return end, _Step(key=name, index=index)


def _parse_bracket(path: str, text: str, pos: int) -> tuple[int, _Step]:
    if pos < len(text) and text[pos] in "'\"":
        quote, chars, pos = text[pos], [], pos + 1
        while pos < len(text) and text[pos] != quote:
            if text[pos] == "\\" and pos + 1 < len(text):
                pos += 1
            chars.append(text[pos])
            pos += 1
        if pos + 1 >= len(text) or text[pos + 1] != "]":
            raise JsonPathError(f'invalid JSON path "{path}": unterminated [{quote}...{quote}]')
        return pos + 2, _Step(key="".join(chars), index=None)
    end = text.find("]", pos)
    if end == -1:
        raise JsonPathError(f'invalid JSON path "{path}": "[" is never closed')
    inside = text[pos:end].strip()
    if not re.fullmatch(r"-?[0-9]+", inside):
        raise JsonPathError(
            f'invalid JSON path "{path}": expected an index or a quoted key in '
            f'brackets, got "[{inside}]"'
        )
    return end + 1, _Step(key=None, index=int(inside))


def validate_json_path(path: str) -> str:
    """Return `path` stripped of surrounding blanks, or raise JsonPathError if malformed."""
    _parse_json_path(path)
    return path.strip()


def json_path_lookup(document: Any, path: str) -> Any:
    """The value at `path` in a decoded JSON `document`.

    Paths look like ``$.a.b[0].c``, ``a.b.0.c`` or ``$['a']["b c"]``; a negative index
    counts from the end of an array. Raises JsonPathError when the path is malformed
    or leads nowhere, naming the deepest part of the path that did exist.
    """
    value = document
    at = "$"
    for step in _parse_json_path(path):
        value = _step_into(value, step, path, at)
        at += step.render()
    return value


def _step_into(value: Any, step: _Step, path: str, at: str) -> Any:
    missing = f"JSON path {path.strip()} not found"
    if isinstance(value, dict):
        if step.key is None:
            raise JsonPathError(f"{missing}: {at} is an object, not an array")
        if step.key not in value:
            raise JsonPathError(f"{missing}: {at} has no key {json.dumps(step.key)}")
        return value[step.key]
    if isinstance(value, list):
        if step.index is None:
            raise JsonPathError(f"{missing}: {at} is an array, not an object")
        if not -len(value) <= step.index < len(value):
            raise JsonPathError(f"{missing}: {at} has {len(value)} items, no index {step.index}")
        return value[step.index]
    raise JsonPathError(f"{missing}: {at} is {_json_type(value)}, not an object or array")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string"


def json_values_equal(actual: Any, expected: Any) -> bool:
    """Equal as JSON values, or equal as text (so "1" matches 1 and "true" matches true)."""
    if _is_number(actual) and _is_number(expected):
        return bool(actual == expected)
    if json.dumps(actual, sort_keys=True) == json.dumps(expected, sort_keys=True):
        return True
    return _as_text(actual) == _as_text(expected) or str(actual) == str(expected)


def _is_number(value: Any) -> bool:
    # bool is an int in Python but not a number in JSON: true must not equal 1.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _quote(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _MAX_QUOTED else text[: _MAX_QUOTED - 1] + "…"


# --- evaluation -------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseFacts:
    """What a probe saw of one HTTP response; the input of :func:`evaluate`."""

    status_code: int
    body: str
    response_time_ms: float
    # True when the probe stopped reading before the end of the body.
    body_truncated: bool


def evaluate(spec: ProbeSpec, facts: ResponseFacts) -> list[str]:
    """One failure message per failed assertion of `spec`; empty when everything passed.

    Status, response time, keyword and JSON path are checked independently, so a
    response that breaks several assertions reports each of them. A keyword or JSON
    path set on any kind of monitor is checked; `keyword` and `json` monitors without
    one fail, since they could never detect anything.
    """
    failures = [
        _check_status(spec, facts),
        _check_response_time(spec, facts),
        _check_keyword(spec, facts),
        _check_json(spec, facts),
    ]
    return [failure for failure in failures if failure is not None]


def _check_status(spec: ProbeSpec, facts: ResponseFacts) -> str | None:
    try:
        if status_matches(facts.status_code, spec.expected_status):
            return None
    except ValueError as exc:
        return str(exc)
    return f"status {facts.status_code}, expected {', '.join(spec.expected_status)}"


def _check_response_time(spec: ProbeSpec, facts: ResponseFacts) -> str | None:
    return response_time_failure(spec, facts.response_time_ms)


def _check_keyword(spec: ProbeSpec, facts: ResponseFacts) -> str | None:
    if spec.keyword is None:
        return "keyword monitor has no keyword to look for" if spec.kind == "keyword" else None
    found = spec.keyword in facts.body
    if spec.keyword_mode == "present" and not found:
        note = " (body truncated, only its start was searched)" if facts.body_truncated else ""
        return f"keyword {_quote(spec.keyword)} not found in the response body{note}"
    if spec.keyword_mode == "absent" and found:
        return f"keyword {_quote(spec.keyword)} found in the response body (expected absent)"
    return None


def _check_json(spec: ProbeSpec, facts: ResponseFacts) -> str | None:
    if spec.json_path is None:
        return "JSON monitor has no JSON path to check" if spec.kind == "json" else None
    try:
        document = json.loads(facts.body)
    except ValueError:
        note = " (body truncated)" if facts.body_truncated else ""
        return f"response body is not valid JSON{note}"
    try:
        actual = json_path_lookup(document, spec.json_path)
    except JsonPathError as exc:
        return str(exc)
    # No expected value means the path only has to exist; expect "null" to require null.
    if spec.json_expected is None or json_values_equal(actual, spec.json_expected):
        return None
    return (
        f"JSON path {spec.json_path.strip()} is {_quote(actual)}, "
        f"expected {_quote(spec.json_expected)}"
    )
