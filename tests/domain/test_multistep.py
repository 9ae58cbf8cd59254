"""Multi-step checks' pure parts: variables, substitution, extraction, masking, and the
rules steps are saved under."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from betteruptime.domain.assertion_language import ResponseFacts
from betteruptime.domain.messages import CheckJob, Extract, ProbeSpec, Step
from betteruptime.domain.multistep import (
    StepFailed,
    extract_source_problem,
    extract_value,
    mask,
    step_label,
    step_request,
    substitute,
    variable_problems,
    variables_in,
)

FACTS = ResponseFacts(
    200, '{"token": "abc123", "user": {"id": 7}}', 5.0, False, headers={"ETag": '"v1"'}
)


def test_it_finds_variables_in_order_of_first_use_blanks_allowed() -> None:
    assert variables_in("/{{a}}/{{ b }}/{{a}}?{{c_1}}") == ["a", "b", "c_1"]
    assert variables_in("{{1x}} {x} {{}} {{ a b }}") == []
    assert variables_in(None) == []


def test_it_substitutes_values_as_plain_text() -> None:
    values = {"token": "t&k ", "id": "7"}

    assert substitute("Bearer {{token}}/{{ id }}/{{id}}", values) == "Bearer t&k /7/7"


def test_an_unknown_variable_fails_the_step_naming_it() -> None:
    with pytest.raises(StepFailed, match=r"\{\{who\}\} has no value: no earlier step extracted"):
        substitute("/{{who}}", {})


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("$.token", "abc123"),
        ("$.user.id", "7"),
        ("$.user", '{"id": 7}'),
        ("header:etag", '"v1"'),
        ("header: ETag ", '"v1"'),
    ],
)
def test_it_extracts_json_values_and_headers_as_text(source: str, expected: str) -> None:
    assert extract_value(Extract.model_validate({"from": source}), FACTS) == expected


@pytest.mark.parametrize(
    ("source", "facts", "message"),
    [
        ("$.nope", FACTS, 'JSON path $.nope not found: $ has no key "nope"'),
        ("header:X-Token", FACTS, "header X-Token is missing"),
        ("$.token", ResponseFacts(200, "<html>", 1.0, False), "not valid JSON"),
    ],
)
def test_an_extraction_that_finds_nothing_fails_the_step(
    source: str, facts: ResponseFacts, message: str
) -> None:
    with pytest.raises(StepFailed) as failed:
        extract_value(Extract.model_validate({"from": source}), facts)
    assert message in str(failed.value)


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("$.a.b[0]", None),
        ("header:X-Token", None),
        ("header:", "does not name a header"),
        ("header:bad name", "does not name a header"),
        ("$.a[", 'invalid JSON path "$.a["'),
    ],
)
def test_an_extract_source_is_a_json_path_or_a_header(source: str, problem: str | None) -> None:
    found = extract_source_problem(source)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_a_variable_must_be_extracted_by_an_earlier_step() -> None:
    steps: list[dict[str, Any]] = [
        {"url": "https://a/{{late}}", "extract": {"token": "$.token"}},
        {"url": "https://a/{{token}}", "headers": {"X": "{{ late }}"}, "body": "{{nope}}"},
        {"url": "https://a/", "extract": {"late": "$.x"}},
    ]

    assert variable_problems(steps) == [
        ("steps[0].url", "{{late}} is not extracted by an earlier step"),
        ("steps[1].headers.X", "{{late}} is not extracted by an earlier step (known here: token)"),
        ("steps[1].body", "{{nope}} is not extracted by an earlier step (known here: token)"),
    ]


def test_secrets_are_masked_longest_first() -> None:
    assert mask("token abc123 and abc", ["abc", "abc123", ""]) == "token *** and ***"
    assert mask(None, ["x"]) is None


def test_a_step_request_carries_the_monitors_tls_settings_and_the_steps_rules() -> None:
    spec = ProbeSpec(monitor_id=3, kind="multistep", verify_tls=False, follow_redirects=False)
    step = Step.model_validate(
        {
            "name": "fetch orders",
            "method": "POST",
            "url": "https://api/{{id}}",
            "headers": {"Authorization": "Bearer {{token}}"},
            "body": '{"id": {{id}}}',
            "expected_status": ["201"],
            "extract": {"next": "$.next"},
        }
    )

    request = step_request(spec, step, {"id": "7", "token": "s3"}, timeout=2.5)

    assert (request.url, request.headers, request.body) == (
        "https://api/7",
        {"Authorization": "Bearer s3"},
        '{"id": 7}',
    )
    assert (request.kind, request.verify_tls, request.follow_redirects) == ("http", False, False)
    assert (request.expected_status, request.timeout_seconds) == (["201"], 2.5)
    assert step_label(1, step) == "step 2 'fetch orders'"


def test_a_job_with_steps_and_assertions_survives_the_wire_as_json() -> None:
    spec = ProbeSpec(
        monitor_id=1,
        kind="multistep",
        steps=[
            Step.model_validate(
                {
                    "name": "a",
                    "url": "https://x/",
                    "extract": {"t": {"from": "$.t", "secret": True}, "u": "header:X"},
                    "assertions": [{"source": "header", "property": "X", "comparison": "exists"}],
                }
            )
        ],
    )
    now = datetime.now(UTC)
    job = CheckJob(spec=spec, region="eu", due_at=now, expires_at=now)

    assert CheckJob.model_validate_json(job.model_dump_json()) == job
