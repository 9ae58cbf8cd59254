"""GET /metrics: per-monitor figures from states, rollups and checks, for every user,
in a handful of queries; the process's own metrics; the optional bearer token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from pydantic import SecretStr
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncEngine

from betteruptime.db.models import Check, MonitorState, RollupDay
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.runtime.app import create_app
from betteruptime.settings import Settings
from conftest import MonitorFactory

Headers = dict[str, str]
CreateMonitor = Callable[..., Awaitable[dict[str, Any]]]

TOKEN = "metrics-token-0123456789"


def parse(text: str) -> dict[str, list[Sample]]:
    """Samples by metric family name (counters lose their _total, as the parser does)."""
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def by_monitor(samples: list[Sample], suffix: str = "") -> dict[str, float]:
    return {
        s.labels["monitor_id"]: s.value for s in samples if s.name.endswith(suffix) or not suffix
    }


async def set_state(sessions: SessionFactory, monitor_id: int, **values: Any) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            update(MonitorState).where(MonitorState.monitor_id == monitor_id).values(**values)
        )


def check(monitor_id: int, due_at: datetime, region: str, ms: float | None) -> Check:
    return Check(
        monitor_id=monitor_id,
        due_at=due_at,
        region=region,
        checked_at=due_at,
        up=ms is not None,
        response_time_ms=ms,
    )


async def scrape(client: httpx.AsyncClient, **headers: str) -> dict[str, list[Sample]]:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


async def test_it_reports_status_latest_response_time_counters_certificate_and_domain_expiry(
    client: httpx.AsyncClient,
    sessions: SessionFactory,
    alice: Headers,
    bob: Headers,
    create_monitor: CreateMonitor,
) -> None:
    up = (await create_monitor(alice, name="api"))["id"]
    down = (await create_monitor(alice, name="web"))["id"]
    degraded = (await create_monitor(bob, name="bob's shop"))["id"]
    now = utcnow().replace(microsecond=0)
    last_due, earlier_due = now - timedelta(seconds=30), now - timedelta(seconds=90)
    await set_state(
        sessions, up, status="up", last_due_at=last_due, cert_expires_at=now + timedelta(days=10)
    )
    await set_state(
        sessions,
        down,
        status="down",
        last_due_at=last_due,
        domain_expires_at=now + timedelta(days=9),
    )
    await set_state(sessions, degraded, status="degraded")
    today = now.replace(hour=0, minute=0, second=0)
    yesterday = today - timedelta(days=1)
    async with sessions() as session, session.begin():
        session.add_all(
            [
                RollupDay(monitor_id=up, bucket_start=yesterday, count=100, failures=3),
                RollupDay(monitor_id=up, bucket_start=today, count=50, failures=2),
                RollupDay(monitor_id=down, bucket_start=today, count=7, failures=7),
                # The last decided due time had two regions; an older check must not count.
                check(up, last_due, "eu", 100.0),
                check(up, last_due, "us", 200.0),
                check(up, earlier_due, "eu", 999.0),
                check(down, last_due, "eu", None),
            ]
        )

    families = await scrape(client)

    ids = {str(up): "up", str(down): "down", str(degraded): "degraded"}
    assert by_monitor(families["betteruptime_monitor_up"]) == {
        str(up): 1.0,
        str(down): 0.0,
        str(degraded): 1.0,
    }
    assert by_monitor(families["betteruptime_monitor_response_time_seconds"]) == {str(up): 0.15}
    assert by_monitor(families["betteruptime_monitor_checks"], "_total") == {
        str(up): 150.0,
        str(down): 7.0,
        str(degraded): 0.0,
    }
    assert by_monitor(families["betteruptime_monitor_failures"], "_total") == {
        str(up): 5.0,
        str(down): 7.0,
        str(degraded): 0.0,
    }
    expiry = by_monitor(families["betteruptime_monitor_certificate_expiry_timestamp_seconds"])
    assert expiry == {str(up): (now + timedelta(days=10)).timestamp()}
    domain_expiry = by_monitor(families["betteruptime_monitor_domain_expiry_timestamp_seconds"])
    assert domain_expiry == {str(down): (now + timedelta(days=9)).timestamp()}
    # The names they replace, for one release.
    assert by_monitor(families["betteruptime_monitor_response_time_ms"]) == {str(up): 150.0}
    days_left = by_monitor(families["betteruptime_monitor_certificate_days_left"])
    assert list(days_left) == [str(up)]
    assert days_left[str(up)] == pytest.approx(10.0, abs=0.01)
    labels = {s.labels["monitor_id"]: s.labels for s in families["betteruptime_monitor_up"]}
    assert labels[str(degraded)] == {
        "monitor_id": str(degraded),
        "name": "bob's shop",
        "kind": "http",
    }
    assert set(labels) == set(ids)


async def test_deprecated_names_say_so_and_name_their_replacement(
    client: httpx.AsyncClient,
) -> None:
    text = (await client.get("/metrics")).text

    for old, new in (
        ("response_time_ms", "response_time_seconds"),
        ("certificate_days_left", "certificate_expiry_timestamp_seconds"),
    ):
        assert (
            f"# HELP betteruptime_monitor_{old} DEPRECATED, removed in the next release: "
            f"use betteruptime_monitor_{new}." in text
        )


async def test_pending_and_paused_monitors_have_no_up_sample_but_are_counted_by_status(
    client: httpx.AsyncClient,
    sessions: SessionFactory,
    alice: Headers,
    create_monitor: CreateMonitor,
) -> None:
    pending = (await create_monitor(alice, name="new"))["id"]
    paused = (await create_monitor(alice, name="quiet"))["id"]
    await set_state(sessions, paused, status="down")  # paused wins over the last decision
    response = await client.post(f"/api/v1/monitors/{paused}/pause", headers=alice)
    assert response.status_code == 200, response.text

    families = await scrape(client)

    assert "betteruptime_monitor_up" not in families or not families["betteruptime_monitor_up"]
    counters = by_monitor(families["betteruptime_monitor_checks"], "_total")
    assert counters == {str(pending): 0.0, str(paused): 0.0}
    statuses = {s.labels["status"]: s.value for s in families["betteruptime_monitors"]}
    assert statuses == {"pending": 1.0, "up": 0.0, "degraded": 0.0, "down": 0.0, "paused": 1.0}


async def test_label_values_with_quotes_backslashes_and_newlines_survive_the_exposition(
    client: httpx.AsyncClient, make_monitor: MonitorFactory
) -> None:
    # The API refuses line breaks in names now; rows saved before that may hold them.
    name = 'say "hi" \\ to\nme'
    await make_monitor(name=name)

    families = await scrape(client)

    assert [s.labels["name"] for s in families["betteruptime_monitor_checks"]] == [name]


async def test_it_includes_the_process_and_platform_metrics(client: httpx.AsyncClient) -> None:
    families = await scrape(client)

    assert families["process_cpu_seconds"][0].value > 0
    assert families["process_resident_memory_bytes"][0].value > 0
    assert "python_info" in families


async def test_it_answers_openmetrics_when_the_scraper_asks_for_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/metrics", headers={"Accept": "application/openmetrics-text"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")


@pytest.fixture
def counted_queries(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_a_scrape_costs_the_same_few_queries_for_one_monitor_or_twenty(
    client: httpx.AsyncClient,
    alice: Headers,
    create_monitor: CreateMonitor,
    counted_queries: list[str],
) -> None:
    await create_monitor(alice, name="first")
    counted_queries.clear()
    await scrape(client)
    with_one = len(counted_queries)
    for n in range(19):
        await create_monitor(alice, name=f"more {n}")
    counted_queries.clear()

    families = await scrape(client)

    assert len(families["betteruptime_monitor_checks"]) == 20
    assert len(counted_queries) == with_one <= 4


async def test_the_info_series_carries_each_monitors_group_and_tags(
    client: httpx.AsyncClient, alice: Headers, bob: Headers, create_monitor: CreateMonitor
) -> None:
    tagged = (await create_monitor(alice, name="api", tags=["web", "prod"], group="Shop"))["id"]
    plain = (await create_monitor(bob, name="plain"))["id"]

    info = {
        sample.labels["monitor_id"]: sample
        for sample in (await scrape(client))["betteruptime_monitor_info"]
    }

    assert info[str(tagged)].labels == {
        "monitor_id": str(tagged),
        "name": "api",
        "kind": "http",
        "group": "Shop",
        "tags": ",prod,web,",
    }
    assert (info[str(plain)].labels["group"], info[str(plain)].labels["tags"]) == ("", "")
    assert {sample.value for sample in info.values()} == {1.0}


@pytest.fixture
def guarded_client(settings: Settings, sessions: SessionFactory) -> httpx.AsyncClient:
    guarded = settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    transport = httpx.ASGITransport(app=create_app(guarded, sessions))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token-0123456789", f"Basic {TOKEN}", f"Bearer {TOKEN}x"],
    ids=["none", "wrong", "not-bearer", "longer"],
)
async def test_with_a_metrics_token_set_it_refuses_scrapes_without_it(
    guarded_client: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with guarded_client:
        response = await guarded_client.get("/metrics", headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "betteruptime_monitor" not in response.text


async def test_with_a_metrics_token_set_it_answers_scrapes_that_send_it(
    guarded_client: httpx.AsyncClient,
) -> None:
    async with guarded_client:
        families = await scrape(guarded_client, Authorization=f"Bearer {TOKEN}")

    assert "betteruptime_monitors" in families


def test_a_metrics_token_shorter_than_16_characters_is_refused_and_empty_means_unset() -> None:
    from betteruptime.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="BETTERUPTIME_METRICS_TOKEN"):
        load_settings(metrics_token="short", _env_file=None)
    assert load_settings(metrics_token="", _env_file=None).metrics_token is None
