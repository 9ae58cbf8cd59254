"""Multi-step API checks, the pure parts: variables, their substitution and extraction,
the rules steps must follow when saved, masking secrets, and the result's wording.

A step's url, header values and body may hold `{{name}}`: the value an earlier step
extracted from its response (`extract: {name: "$.json.path"}` or `"header:Name"`, or
`{from: ..., secret: true}`). Values are substituted as plain text. A secret value is
replaced by `***` in everything the check reports (error, details), so it is never
stored, shown, sent in an alert or logged. No I/O.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from betteruptime.domain.assertion_language import ResponseFacts
from betteruptime.domain.json_path import JsonPathError, json_path_lookup, validate_json_path
from betteruptime.domain.messages import Extract, ProbeSpec, Step, Timings

MAX_STEPS = 10
MAX_VARIABLES = 10
HEADER_PREFIX = "header:"
MASK = "***"
VARIABLE_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
# {{name}}, blanks inside the braces allowed.
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}")
_STAND_IN = "x"


class StepFailed(Exception):
    """A step cannot be run or judged as written; the message is worded for the user."""


def variables_in(text: str | None) -> list[str]:
    """The variable names `text` uses, in order of first use."""
    return list(dict.fromkeys(_VARIABLE.findall(text or "")))


def with_stand_ins(text: str) -> str:
    """`text` with every variable replaced by a plain word, to check what a URL will
    look like whatever the values."""
    return _VARIABLE.sub(_STAND_IN, text)


def substitute(text: str, values: Mapping[str, str]) -> str:
    """`text` with each `{{name}}` replaced by its value; StepFailed names one unknown."""

    def value(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in values:
            raise StepFailed(f"{{{{{name}}}}} has no value: no earlier step extracted it")
        return values[name]

    return _VARIABLE.sub(value, text)


def _texts(step: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """Where a step may use variables: (its field, the text)."""
    headers = step.get("headers") or {}
    return [
        ("url", step.get("url")),
        *((f"headers.{name}", value) for name, value in headers.items()),
        ("body", step.get("body")),
    ]


def variable_problems(steps: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(field path, message) for each variable a step uses that no earlier step
    extracts: known when the monitor is saved, so refused then."""
    problems: list[tuple[str, str]] = []
    known: list[str] = []
    for index, step in enumerate(steps):
        for where, text in _texts(step):
            for name in variables_in(text):
                if name not in known:
                    earlier = f" (known here: {', '.join(known)})" if known else ""
                    problems.append(
                        (
                            f"steps[{index}].{where}",
                            f"{{{{{name}}}}} is not extracted by an earlier step{earlier}",
                        )
                    )
        known += [name for name in step.get("extract") or {} if name not in known]
    return problems


def extract_source_problem(source: str) -> str | None:
    """Why an extract's `from` cannot be read, or None: `$.json.path` or `header:Name`."""
    if source.startswith(HEADER_PREFIX):
        name = source.removeprefix(HEADER_PREFIX).strip()
        if not re.fullmatch(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", name):
            return f'"{source[:60]}" does not name a header, as in header:X-Token'
        return None
    try:
        validate_json_path(source)
    except JsonPathError as error:
        return f"{error}; or header:Name for a header"
    return None


def extract_value(rule: Extract, facts: ResponseFacts) -> str:
    """The text a step's response gives for `rule`; StepFailed when it gives none."""
    if rule.source.startswith(HEADER_PREFIX):
        name = rule.source.removeprefix(HEADER_PREFIX).strip()
        found = facts.header_map.get(name.lower())
        if found is None:
            raise StepFailed(f"header {name} is missing")
        return found
    parsed, document = facts.document
    if not parsed:
        raise StepFailed("the response body is not valid JSON")
    try:
        value = json_path_lookup(document, rule.source)
    except JsonPathError as error:
        raise StepFailed(str(error)) from None
    return value if isinstance(value, str) else json.dumps(value)


def step_request(
    spec: ProbeSpec, step: Step, values: Mapping[str, str], *, timeout: float
) -> ProbeSpec:
    """The one-request check a step makes, its variables substituted: the monitor's TLS
    and redirect settings, the step's request and what its answer must be."""
    return ProbeSpec(
        monitor_id=spec.monitor_id,
        kind="http",
        url=substitute(step.url, values),
        method=step.method,
        headers={name: substitute(value, values) for name, value in step.headers.items()},
        body=None if step.body is None else substitute(step.body, values),
        follow_redirects=spec.follow_redirects,
        verify_tls=spec.verify_tls,
        timeout_seconds=timeout,
        expected_status=step.expected_status,
        assertions=step.assertions,
    )


def mask(text: str | None, secrets: Iterable[str]) -> str | None:
    """`text` with every secret value replaced by ***, longest first (a secret that
    holds another is masked whole)."""
    if text is None:
        return None
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def masked_facts(facts: ResponseFacts, secrets: Sequence[str]) -> ResponseFacts:
    """`facts` with the secrets masked in its body and headers: what a step is judged on,
    so no failure can quote a secret, not even cut short or escaped as JSON."""
    if not secrets:
        return facts
    return dataclasses.replace(
        facts,
        body=mask(facts.body, secrets) or "",
        headers={name: mask(value, secrets) or "" for name, value in facts.headers.items()},
    )


def step_label(index: int, step: Step) -> str:
    """`step 2 'fetch orders'`, as failures name a step."""
    return f"step {index + 1} {json.dumps(step.name, ensure_ascii=False)[1:-1]!r}"


def step_detail(
    step: Step,
    *,
    up: bool | None,
    status_code: int | None = None,
    timings: Timings | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """One entry of the check's `details.steps`; `up` None: skipped after a failure."""
    return {
        "name": step.name,
        "up": bool(up),
        "skipped": up is None,
        "status_code": status_code,
        "ms": timings.total_ms if timings else None,
        "timings": timings.model_dump() if timings else None,
        "error": error,
    }


def masked_details(details: list[dict[str, Any]], secrets: Sequence[str]) -> dict[str, Any]:
    """The check's details, every step's error masked."""
    return {"steps": [{**entry, "error": mask(entry["error"], secrets)} for entry in details]}
