"""The multistep probe against a real local API: a login's token used by the next step,
the first failure ending the check, secrets masked, the target policy on every step."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from betteruptime.domain.addresses import TargetPolicy
from betteruptime.domain.messages import CheckJob
from betteruptime.probes.registry import Probes
from testkit.api_target import ApiTarget

MakeJob = Callable[..., CheckJob]


@pytest.fixture
async def probes() -> AsyncIterator[Probes]:
    dispatcher = Probes()
    yield dispatcher
    await dispatcher.close()


def login_then_orders(target: ApiTarget, *, secret: bool = True) -> list[dict[str, Any]]:
    token: Any = {"from": "$.token", "secret": True} if secret else "$.token"
    return [
        {
            "name": "log in",
            "method": "POST",
            "url": target.url("/login"),
            "headers": {"Content-Type": "application/json"},
            "body": '{"user": "probe", "password": "hunter2"}',
            "extract": {"token": token, "type": "header:Content-Type"},
        },
        {
            "name": "fetch orders",
            "url": target.url("/orders"),
            "headers": {"Authorization": "Bearer {{token}}"},
            "assertions": [
                {
                    "source": "json_body",
                    "property": "$.state",
                    "comparison": "equals",
                    "target": "open",
                }
            ],
        },
        {"name": "public", "url": target.url("/public/orders")},
    ]


def job(make_job: MakeJob, steps: list[dict[str, Any]], **fields: Any) -> CheckJob:
    return make_job("", kind="multistep", steps=steps, timeout_seconds=5, **fields)


async def test_a_token_from_the_first_step_opens_the_second(
    probes: Probes, api_target: ApiTarget, make_job: MakeJob
) -> None:
    result = await probes.check(job(make_job, login_then_orders(api_target)))

    assert result.up, result.error
    assert api_target.seen_authorizations == [f"Bearer {api_target.tokens[0]}"]
    assert result.details is not None
    steps = result.details["steps"]
    assert [(s["name"], s["up"], s["skipped"], s["status_code"]) for s in steps] == [
        ("log in", True, False, 200),
        ("fetch orders", True, False, 200),
        ("public", True, False, 200),
    ]
    assert all(s["ms"] is not None and s["timings"]["connect_ms"] is not None for s in steps)
    assert result.response_time_ms == pytest.approx(sum(s["ms"] for s in steps), abs=0.01)


async def test_the_first_failure_is_the_error_and_later_steps_are_skipped(
    probes: Probes, api_target: ApiTarget, make_job: MakeJob
) -> None:
    api_target.orders = {"state": "closed"}
    changed = await probes.check(job(make_job, login_then_orders(api_target)))
    api_target.tokens.clear()  # every token handed out no longer works
    steps = login_then_orders(api_target)
    steps[0]["extract"] = {"token": "$.expires_in"}
    refused = await probes.check(job(make_job, steps))

    assert not changed.up
    assert changed.error == (
        'step 2 \'fetch orders\': JSON $.state: expected to equal "open", got "closed"'
    )
    assert refused.error == (
        "step 2 'fetch orders': status 401, expected 200-299; "
        'JSON $.state: expected to equal "open", but $ has no key "state"'
    )
    assert refused.status_code == 401
    assert refused.details is not None
    assert [(s["up"], s["skipped"]) for s in refused.details["steps"]] == [
        (True, False),
        (False, False),
        (False, True),
    ]


async def test_a_secret_never_appears_in_what_the_check_reports(
    probes: Probes, api_target: ApiTarget, make_job: MakeJob
) -> None:
    steps = [
        login_then_orders(api_target)[0],
        {
            "name": "echo",
            "url": api_target.url("/echo?t={{token}}"),
            "headers": {"Authorization": "Bearer {{token}}"},
            "assertions": [
                {
                    "source": "json_body",
                    "property": "$.query",
                    "comparison": "equals",
                    "target": "x",
                },
                {"source": "text_body", "comparison": "contains", "target": "nothing"},
            ],
        },
    ]

    result = await probes.check(job(make_job, steps))

    token = api_target.tokens[0]
    reported = json.dumps(result.model_dump(mode="json"))
    assert not result.up
    assert result.error == (
        'step 2 \'echo\': JSON $.query: expected to equal "x", got "t=***"; '
        'response body: expected to contain "nothing", '
        'got "{\\"query\\": \\"t=***\\", \\"authorization\\": \\"Bearer ***\\"}"'
    )
    assert token not in reported and "***" in reported


async def test_a_failed_extraction_fails_its_step(
    probes: Probes, api_target: ApiTarget, make_job: MakeJob
) -> None:
    steps = login_then_orders(api_target)
    steps[0]["extract"] = {"token": "$.access_token"}

    result = await probes.check(job(make_job, steps))

    assert result.error == (
        "step 1 'log in': extract token: JSON path $.access_token not found: "
        '$ has no key "access_token"'
    )


async def test_the_target_policy_judges_every_step(
    api_target: ApiTarget, make_job: MakeJob
) -> None:
    strict = Probes(TargetPolicy(block_private=True))
    try:
        result = await strict.check(job(make_job, login_then_orders(api_target)))
    finally:
        await strict.close()

    assert not result.up
    assert result.error is not None
    assert result.error.startswith("step 1 'log in': could not connect to 127.0.0.1")
    assert "refused" in result.error
    assert api_target.tokens == []


async def test_the_total_time_is_held_to_max_response_time_ms(
    probes: Probes, api_target: ApiTarget, make_job: MakeJob
) -> None:
    result = await probes.check(
        job(make_job, login_then_orders(api_target, secret=False), max_response_time_ms=0)
    )

    assert not result.up
    assert result.error is not None and result.error.startswith("response took ")
