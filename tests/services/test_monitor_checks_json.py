"""Assertions and steps are stored as JSON and read back the same on SQLite and
PostgreSQL, into the job a worker gets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from betteruptime.db.models import Monitor
from betteruptime.db.session import SessionFactory
from betteruptime.scheduler.snapshot import probe_spec

MonitorFactory = Callable[..., Awaitable[int]]
ASSERTIONS = [
    {"source": "header", "property": "Content-Type", "comparison": "contains", "target": "ü json"},
    {"source": "json_body", "property": "$['a b'][0]", "comparison": "exists"},
]
STEPS = [
    {
        "name": "log in",
        "method": "POST",
        "url": "https://api.example/login",
        "headers": {},
        "body": '{"user": "probe"}',
        "expected_status": ["200-299"],
        "assertions": [],
        "extract": {"token": {"from": "$.token", "secret": True}, "etag": "header:ETag"},
    },
    {
        "name": "orders",
        "method": "GET",
        "url": "https://api.example/orders/{{etag}}",
        "headers": {"Authorization": "Bearer {{token}}"},
        "expected_status": ["200"],
        "assertions": ASSERTIONS,
        "extract": {},
    },
]


async def test_assertions_and_steps_come_back_as_stored_and_reach_the_job(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    http_id = await make_monitor(assertions=ASSERTIONS)
    flow_id = await make_monitor(kind="multistep", url=None, steps=STEPS)

    async with sessions() as session:
        rows: dict[int, Any] = {
            m.id: m for m in await session.scalars(select(Monitor).order_by(Monitor.id))
        }

    assert rows[http_id].assertions == ASSERTIONS and rows[http_id].steps == []
    assert rows[flow_id].steps == STEPS
    spec = probe_spec(rows[flow_id])
    assert spec.kind == "multistep"
    assert spec.steps[0].extract["token"].secret is True
    assert spec.steps[0].extract["etag"].source == "header:ETag"
    assert spec.steps[1].assertions[1].property == "$['a b'][0]"
    assert probe_spec(rows[http_id]).assertions[0].target == "ü json"
