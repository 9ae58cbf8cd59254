"""A multi-step API check through `betteruptime up` against a local API: it logs in
(step 1 extracts a token from JSON), calls an endpoint that needs it (step 2), and goes
down when step 2's answer changes; the secret token is in no stored row, API answer or
log line."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from e2e.conftest import Product
from testkit.api import create_fast_monitor, signed_in_client, status_reader
from testkit.api_target import ApiTarget
from testkit.waiting import eventually

pytestmark = pytest.mark.e2e
BUDGET_SECONDS = 40


@pytest.fixture
def product_env() -> dict[str, str]:
    """At DEBUG, so the log holds everything the product would ever say."""
    return {"BETTERUPTIME_LOG_LEVEL": "DEBUG"}


def steps(target: ApiTarget) -> list[dict[str, object]]:
    return [
        {
            "name": "log in",
            "method": "POST",
            "url": target.url("/login"),
            "headers": {"Content-Type": "application/json"},
            "body": '{"user": "probe", "password": "hunter2"}',
            "extract": {"token": {"from": "$.token", "secret": True}},
        },
        {
            "name": "fetch orders",
            "url": target.url("/orders"),
            "headers": {"Authorization": "Bearer {{token}}"},
            "assertions": [
                {
                    "source": "json_body",
                    "property": "$.items[0].state",
                    "comparison": "equals",
                    "target": "paid",
                },
                {"source": "text_body", "comparison": "not_contains", "target": "refunded"},
            ],
        },
    ]


def stored_text(database: str) -> str:
    """Every row of every table of the product's SQLite file, as text."""
    with sqlite3.connect(database) as connection:
        return "\n".join(connection.iterdump())


async def test_a_multistep_check_logs_in_uses_the_token_and_goes_down_on_a_changed_answer(
    product: Product, api_target: ApiTarget
) -> None:
    started = time.monotonic()
    async with signed_in_client(product.base) as api:
        monitor_id = await create_fast_monitor(
            api, None, kind="multistep", steps=steps(api_target), timeout_seconds=0.9
        )
        has_status = status_reader(api, monitor_id)
        await eventually(lambda: has_status("up"), within=8, what="multistep monitor up")
        assert api_target.seen_authorizations[0] == f"Bearer {api_target.tokens[0]}"

        # The endpoint now answers with the token echoed back and a changed order.
        api_target.echo_authorization = True
        api_target.orders = {"items": [{"id": 1, "state": "refunded"}]}
        await eventually(lambda: has_status("down"), within=6, what="multistep monitor down")

        expected = (
            "step 2 'fetch orders': JSON $.items[0].state: expected to equal \"paid\", "
            'got "refunded"; response body: expected not to contain "refunded", '
            'got "{\\"seen\\": \\"Bearer ***\\", \\"items\\": '
            '[{\\"id\\": 1, \\"state\\": \\"refunded\\"}]}"'
        )
        [incident] = (await api.get("/incidents", params={"monitor_id": monitor_id})).json()
        assert incident["cause"] == expected
        checks = (await api.get(f"/monitors/{monitor_id}/checks", params={"limit": 50})).json()
        down = next(check for check in checks if not check["up"])
        assert down["error"] == expected
        assert [(s["name"], s["up"], s["status_code"]) for s in down["details"]["steps"]] == [
            ("log in", True, 200),
            ("fetch orders", False, 200),
        ]
        answers = [
            json.dumps(checks),
            (await api.get(f"/monitors/{monitor_id}")).text,
            (await api.get("/incidents")).text,
            (await api.get(f"/monitors/{monitor_id}/checks", params={"limit": 1000})).text,
        ]
    assert product.process.stop() == 0
    seen = "\n".join([*answers, stored_text(str(product.database)), product.process.log()])
    assert len(api_target.tokens) >= 3
    for token in api_target.tokens:
        assert token not in seen
    assert time.monotonic() - started < BUDGET_SECONDS
