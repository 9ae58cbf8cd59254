"""Restart PostgreSQL, RabbitMQ and Redis, one at a time, under the running distributed
mode, with an outage starting while the engine is down: every role reconnects by itself
(and still stops cleanly afterwards), checks resume within 30 s, the alerts raised
during the fault are delivered after it, and every published job is stored or missed.

Each engine is really stopped and started again (tests/faults/engines.py), so these
tests need root and the machine's own services, as CI has them."""

from __future__ import annotations

import asyncio
import time

import pytest

from faults.conftest import (
    REGION,
    Counts,
    Store,
    alert_titles,
    alerting_monitors_up,
    stop_in_order,
)
from faults.engines import engine_down
from testkit.api import signed_in_client
from testkit.cluster import Cluster
from testkit.receivers import WebhookReceiver
from testkit.target import Target
from testkit.waiting import eventually

# It stops and starts the machine's engines: nothing else may run meanwhile (scripts/test
# runs these after the parallel part, alone).
pytestmark = [pytest.mark.e2e, pytest.mark.engine_restarts]

MONITORS = 6
DOWN_SECONDS = 6
RESUME_WITHIN = 30
ROLES = ("scheduler", "worker", "ingester", "notifier")


@pytest.mark.parametrize("engine", ["postgresql", "rabbitmq", "redis"])
async def test_every_role_rides_out_an_engine_restart_and_the_alerts_raised_meanwhile_arrive(
    engine: str, cluster: Cluster, store: Store, target: Target, webhook: WebhookReceiver
) -> None:
    cluster.env["BETTERUPTIME_CHANNEL_RATE_LIMIT"] = "1000"
    cluster.start("scheduler", "scheduler")
    cluster.start("worker", "worker", "--region", REGION)
    cluster.start("ingester", "ingester")
    cluster.start("notifier", "notifier")
    async with signed_in_client(cluster.base) as api:
        await alerting_monitors_up(api, target.url, webhook.url(), MONITORS)

        async with engine_down(engine):
            target.failing_regions = {REGION}  # the outage begins while the engine is away
            await asyncio.sleep(DOWN_SECONDS)
        back_at = time.time()

        async def checks_resumed() -> bool:
            return await store.newest_check_at() > back_at

        await eventually(checks_resumed, within=RESUME_WITHIN, what="checks after the restart")
        resumed_after = time.time() - back_at
        await eventually(lambda: _titled(webhook, "[DOWN]", MONITORS), within=30, what="downs")
        target.failing_regions = set()
        await eventually(lambda: _titled(webhook, "[RECOVERED]", MONITORS), within=30, what="ups")

    for name in ROLES:
        assert cluster.roles[name].running(), f"{name} died:\n{cluster.roles[name].log()[-3000:]}"
    scheduler, worker = await stop_in_order(cluster, store, rest=("ingester", "notifier"))
    counts = Counts(
        published=scheduler["published"],
        stored=await store.checks(),
        missed=worker["missed"] + scheduler["missed"],
        checked=worker["checked"],
    )
    titles = webhook.titles()
    print(
        counts.report(f"{engine} down {DOWN_SECONDS} s")
        + f" checks resumed {resumed_after:.1f} s after it was back;"
        f" alerts expected={2 * MONITORS} delivered={len(titles)}"
    )
    counts.assert_nothing_lost()
    assert sorted(titles) == alert_titles(MONITORS)


async def _titled(webhook: WebhookReceiver, prefix: str, count: int) -> bool:
    return sum(title.startswith(prefix) for title in webhook.titles()) >= count
