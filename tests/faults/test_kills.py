"""SIGKILL each role of the distributed mode while monitors run and an outage happens,
then count: every published job is stored or counted missed, none is stored twice, and
every transition happens exactly once. Each test prints what it counted."""

from __future__ import annotations

import asyncio

import pytest

from faults.conftest import (
    REGION,
    TARGET_DELAY_SECONDS,
    Counts,
    Store,
    alert_titles,
    alerting_monitors_up,
    all_status,
    create_monitors,
    graceful_totals,
    stop_in_order,
)
from testkit.api import signed_in_client
from testkit.cluster import Cluster, active_scheduler
from testkit.receivers import WebhookReceiver
from testkit.target import Target
from testkit.waiting import eventually

pytestmark = pytest.mark.e2e

MONITORS = 12


async def test_a_worker_killed_mid_batch_loses_no_check(
    cluster: Cluster, store: Store, target: Target
) -> None:
    target.delay_seconds = TARGET_DELAY_SECONDS
    cluster.start("scheduler", "scheduler")
    cluster.start("worker-1", "worker", "--region", REGION)
    cluster.start("worker-2", "worker", "--region", REGION)
    cluster.start("ingester", "ingester")
    async with signed_in_client(cluster.base) as api:
        ids = await create_monitors(api, target.url, MONITORS)
        await eventually(lambda: all_status(api, ids, "up"), within=30, what="monitors up")
        # Both workers busy: the one killed has checks in flight and batches unacked.
        assert "event=started" in cluster.roles["worker-1"].log()
        cluster.roles["worker-1"].kill()
        await asyncio.sleep(4)
        target.failing_regions = {REGION}  # an outage while one worker is gone
        await eventually(lambda: all_status(api, ids, "down"), within=30, what="down")

    scheduler, survivor = await stop_in_order(cluster, store, worker="worker-2", rest=("ingester",))
    killed_checked, killed_missed = await store.worker_totals(_worker_id_prefix(cluster))
    counts = Counts(
        published=scheduler["published"],
        stored=await store.checks(),
        missed=survivor["missed"] + killed_missed,
        checked=survivor["checked"] + killed_checked,
    )
    print(counts.report("worker SIGKILL"))
    counts.assert_nothing_lost()
    incidents = await store.incidents()
    assert sorted(i.monitor_id for i in incidents) == sorted(ids), "one incident per monitor"


def _worker_id_prefix(cluster: Cluster) -> str:
    """The killed worker's id (host:pid:region) as its log gave it."""
    line = next(
        line for line in cluster.roles["worker-1"].log().splitlines() if "event=started" in line
    )
    return line.split("worker=", 1)[1].split()[0]


async def test_an_ingester_killed_mid_outage_stores_each_result_once_and_each_transition_once(
    cluster: Cluster, store: Store, target: Target, webhook: WebhookReceiver
) -> None:
    target.delay_seconds = TARGET_DELAY_SECONDS
    # Every alert counted one by one: no digest folding them under the channel's limit.
    cluster.env["BETTERUPTIME_CHANNEL_RATE_LIMIT"] = "1000"
    cluster.start("scheduler", "scheduler")
    cluster.start("worker", "worker", "--region", REGION)
    cluster.start("ingester-1", "ingester")
    cluster.start("notifier", "notifier")
    async with signed_in_client(cluster.base) as api:
        ids = await alerting_monitors_up(api, target.url, webhook.url(), MONITORS)
        # The outage begins and the ingester dies while its results are on the way.
        target.failing_regions = {REGION}
        await asyncio.sleep(1.5)
        cluster.roles["ingester-1"].kill()
        await asyncio.sleep(3)
        cluster.start("ingester-2", "ingester")
        await eventually(lambda: all_status(api, ids, "down"), within=30, what="down")
        target.failing_regions = set()
        await eventually(lambda: all_status(api, ids, "up"), within=30, what="back up")
        await eventually(
            lambda: webhook.has_received(2 * MONITORS), within=30, what="down and up alerts"
        )

    scheduler, worker = await stop_in_order(cluster, store, rest=("ingester-2", "notifier"))
    counts = Counts(
        published=scheduler["published"],
        stored=await store.checks(),
        missed=worker["missed"],
        checked=worker["checked"],
    )
    incidents = await store.incidents()
    titles = webhook.titles()
    print(
        counts.report("ingester SIGKILL")
        + f" incidents={len(incidents)} alerts expected={2 * MONITORS} delivered={len(titles)}"
    )
    counts.assert_nothing_lost()
    # Every outage opened exactly one incident, resolved once; one message each way.
    assert sorted(i.monitor_id for i in incidents) == sorted(ids)
    assert all(i.status == "resolved" for i in incidents)
    assert sorted(titles) == alert_titles(MONITORS)


async def test_the_active_scheduler_killed_the_standby_takes_over_and_no_due_time_runs_twice(
    cluster: Cluster, store: Store, target: Target
) -> None:
    schedulers = ("scheduler-1", "scheduler-2")
    for name in schedulers:
        cluster.start(name, "scheduler")
    cluster.start("worker", "worker", "--region", REGION)
    cluster.start("ingester", "ingester")
    async with signed_in_client(cluster.base) as api:
        ids = await create_monitors(api, target.url, MONITORS)
        await eventually(lambda: all_status(api, ids, "up"), within=30, what="monitors up")
        leader = await eventually(
            lambda: _value(active_scheduler(cluster, schedulers)), within=10, what="a leader"
        )
        cluster.roles[leader].kill()
        before = await store.checks()
        await eventually(lambda: _more_checks(store, before + 3 * MONITORS), within=30, what="more")
        target.failing_regions = {REGION}
        await eventually(lambda: all_status(api, ids, "down"), within=30, what="down")

    standby = next(name for name in schedulers if name != leader)
    assert "event=leading" in cluster.roles[standby].log()
    _, worker = await stop_in_order(cluster, store, scheduler=standby, rest=("ingester",))
    stored = await store.checks()
    print(
        f"scheduler SIGKILL: stored={stored} checked={worker['checked']} "
        f"missed={worker['missed']} (the killed leader's published count died with it)"
    )
    # A due time published by both schedulers would be checked twice and stored once.
    assert worker["checked"] == stored
    assert sorted(i.monitor_id for i in await store.incidents()) == sorted(ids)


async def _more_checks(store: Store, count: int) -> bool:
    return await store.checks() >= count


async def _value(value: str | None) -> str | None:
    return value


async def test_a_notifier_killed_mid_send_every_alert_arrives_and_none_recorded_goes_twice(
    cluster: Cluster, store: Store, target: Target, webhook: WebhookReceiver
) -> None:
    cluster.env["BETTERUPTIME_CHANNEL_RATE_LIMIT"] = "1000"
    # The claim of a message a dead notifier held runs out after 5 s, not 2 minutes.
    cluster.env["BETTERUPTIME_NOTIFY_LEASE_SECONDS"] = "5"
    webhook.delay_seconds = 3  # every send takes 3 s: the kill lands while sends are open
    cluster.start("scheduler", "scheduler")
    cluster.start("worker", "worker", "--region", REGION)
    cluster.start("ingester", "ingester")
    cluster.start("notifier-1", "notifier")
    async with signed_in_client(cluster.base) as api:
        ids = await alerting_monitors_up(api, target.url, webhook.url(), MONITORS)
        target.failing_regions = {REGION}
        await eventually(lambda: webhook.has_received(1), within=30, what="a send under way")
        cluster.roles["notifier-1"].kill()
        # Arrived at the receiver, never recorded as sent: these may arrive twice.
        unrecorded = len(webhook.received)
        cluster.start("notifier-2", "notifier")
        await eventually(lambda: all_status(api, ids, "down"), within=30, what="down")
        # The outage lasts until every down got out (those the dead notifier held, once its
        # lease ran out): a down still unsent when its monitor recovers would be dropped.
        await eventually(lambda: _every_down(webhook, MONITORS), within=60, what="every down")
        target.failing_regions = set()
        await eventually(lambda: all_status(api, ids, "up"), within=30, what="back up")
        await eventually(
            lambda: _every_title(webhook, MONITORS), within=60, what="every down and up alert"
        )
        await asyncio.sleep(webhook.delay_seconds + 2)  # a late duplicate would show by now

    graceful_totals(cluster, "notifier-2")
    titles = webhook.titles()
    downs = [title for title in titles if title.startswith("[DOWN]")]
    ups = [title for title in titles if title.startswith("[RECOVERED]")]
    print(
        f"notifier SIGKILL: alerts expected={2 * MONITORS} delivered={len(titles)} "
        f"(in flight at the kill, unrecorded: {unrecorded}; down {len(downs)}, up {len(ups)})"
    )
    assert sorted(set(titles)) == alert_titles(MONITORS)  # every alert arrived
    # Only a message whose send was never recorded may come twice.
    assert len(downs) - MONITORS <= unrecorded
    assert len(ups) == MONITORS  # sent after the kill, recorded: never again
    for n in range(MONITORS):  # and each monitor's last word is its recovery
        assert [t for t in titles if t.endswith(f"] shop {n}")][-1] == f"[RECOVERED] shop {n}"


async def _every_down(webhook: WebhookReceiver, monitors: int) -> bool:
    return len({title for title in webhook.titles() if title.startswith("[DOWN]")}) >= monitors


async def _every_title(webhook: WebhookReceiver, monitors: int) -> bool:
    return sorted(set(webhook.titles())) == alert_titles(monitors)
