"""Assertions through `betteruptime up`: a JSON monitor whose header and two JSON
assertions pass against a local API, then fail, each named in the incident's cause and
the check's error."""

from __future__ import annotations

import time

import pytest

from e2e.conftest import Product
from testkit.api import create_fast_monitor, signed_in_client, status_reader
from testkit.api_target import ApiTarget
from testkit.waiting import eventually

pytestmark = pytest.mark.e2e
BUDGET_SECONDS = 20


async def test_a_header_and_two_json_assertions_fail_with_their_messages(
    product: Product, api_target: ApiTarget
) -> None:
    started = time.monotonic()
    async with signed_in_client(product.base) as api:
        monitor_id = await create_fast_monitor(
            api,
            api_target.url("/public/orders"),
            kind="json",
            json_path="$.state",
            assertions=[
                {
                    "source": "header",
                    "property": "content-type",
                    "comparison": "contains",
                    "target": "json",
                },
                {
                    "source": "json_body",
                    "property": "$.items[0].state",
                    "comparison": "equals",
                    "target": "paid",
                },
                {
                    "source": "json_body",
                    "property": "$.items.length",
                    "comparison": "greater_than",
                    "target": 0,
                },
            ],
        )
        has_status = status_reader(api, monitor_id)
        await eventually(lambda: has_status("up"), within=8, what="json monitor up")

        api_target.content_type = "text/html"
        api_target.orders = {"state": "open", "items": []}
        await eventually(lambda: has_status("down"), within=6, what="json monitor down")

        expected = (
            'header content-type: expected to contain "json", got "text/html; charset=utf-8"; '
            'JSON $.items[0].state: expected to equal "paid", but $.items has 0 items, '
            "no index 0; "
            "JSON $.items.length: expected to be greater than 0, got 0"
        )
        [incident] = (await api.get("/incidents", params={"monitor_id": monitor_id})).json()
        assert incident["cause"] == expected
        [check] = (await api.get(f"/monitors/{monitor_id}/checks", params={"limit": 1})).json()
        assert (check["up"], check["status_code"], check["error"]) == (False, 200, expected)
    assert time.monotonic() - started < BUDGET_SECONDS
