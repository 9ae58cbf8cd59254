"""How each engine (role) is doing, as the database sees it, for /healthz.

Every role leaves traces in the database as it works: workers' heartbeats (recorded by
the ingester in `worker_status`), the scheduler's cursor (advanced by the leader as it
publishes), the monitors' last stored checks (written by the ingester), notifications
waiting to be sent (drained by the notifier: due now, waiting for a retry, or waiting
behind one) and events waiting to be planned, and the events the notifier had to set
aside (dead letters). `read_facts` gathers them in a few cheap
queries; `assess` turns them into states with no I/O, so the rules are tested alone.

States: `ok`; `stale` (the engine should have left a newer trace: it is stuck or gone);
`degraded` (it works, but part of its work fails: workers when a region active monitors
are checked from has no live worker, so they are not checked; a notifier that recently
set events aside); `unknown` (nothing to judge by yet, such as a scheduler with nothing
to publish); `stopped` (embedded mode: the role's task in this process has ended).
`stale`, `degraded` and `stopped` make the whole report `degraded`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import (
    Monitor,
    MonitorState,
    Notification,
    OutboxEvent,
    SchedulerCursor,
    WorkerStatus,
)
from betteruptime.domain.workers import LIVE_FOR
from betteruptime.services.dead_letters import RecentCount, recent_count
from betteruptime.services.regions import PROBED, monitored_regions

# Whether each in-process role task is alive, by role name (embedded mode only).
RoleLiveness = Callable[[], Mapping[str, bool]]

# A region whose workers all went quiet longer ago than this was decommissioned, not
# lost: it is still listed, but no longer makes the report degraded.
FORGET_REGION_AFTER = timedelta(days=1)
# The leader advances the cursor whenever it publishes, so at least once per the
# shortest active interval; this much slack covers a standby's takeover.
SCHEDULER_SLACK = timedelta(seconds=60)
# Live workers' heartbeats reach the ingester every few seconds; a minute without any
# stored heartbeat or check means the ingester is not storing.
INGESTER_STALE_AFTER = timedelta(seconds=60)
# The notifier claims due notifications every few seconds, and plans an event within a
# second or two of its decision; one due (or decided) this long ago is not being worked on.
NOTIFIER_STALE_AFTER = timedelta(minutes=5)

# Which in-process tasks make up each engine (runtime/embedded.py names them).
ENGINE_TASKS = {
    "workers": ("worker",),
    "scheduler": ("scheduler",),
    "ingester": ("ingester", "sweeper", "heartbeats"),
    "notifier": ("notifier",),
}
DEGRADED_STATES = frozenset({"stale", "stopped", "degraded"})


@dataclass(frozen=True, slots=True)
class RegionFacts:
    live: int
    last_seen_at: datetime | None
    live_browser: int = 0  # of `live`, started with --browser


@dataclass(slots=True)
class EngineFacts:
    """What the database knows, read at `now`."""

    now: datetime
    regions: dict[str, RegionFacts] = field(default_factory=dict)  # where workers were seen
    monitored: dict[str, int] = field(default_factory=dict)  # active probed monitors per region
    browser_monitored: dict[str, int] = field(default_factory=dict)  # of them, browser checks
    cursor_updated_at: datetime | None = None
    shortest_interval_seconds: int | None = None  # of active probed monitors
    last_check_at: datetime | None = None
    pending: int = 0  # due, waiting for a retry, or held behind one
    retrying: int = 0  # of which tried before and waiting for a retry
    oldest_due_at: datetime | None = None
    unplanned: int = 0
    oldest_unplanned_at: datetime | None = None
    dead_letters: RecentCount = field(default_factory=lambda: RecentCount(0, None))


async def read_facts(session: AsyncSession, *, now: datetime) -> EngineFacts:
    """Eight aggregate queries, over small tables, an index, or grouped to a few rows."""
    facts = EngineFacts(now=now)
    alive = WorkerStatus.last_seen_at >= now - LIVE_FOR
    live = func.count().filter(alive)
    live_browser = func.count().filter(alive, WorkerStatus.browser.is_(True))
    workers = await session.execute(
        select(
            WorkerStatus.region, live, func.max(WorkerStatus.last_seen_at), live_browser
        ).group_by(WorkerStatus.region)
    )
    facts.regions = {
        region: RegionFacts(int(count or 0), seen, int(browsers or 0))
        for region, count, seen, browsers in workers.all()
    }
    facts.monitored = dict(await monitored_regions(session))
    facts.browser_monitored = dict(await monitored_regions(session, browser=True))
    facts.cursor_updated_at = await session.scalar(select(func.max(SchedulerCursor.updated_at)))
    facts.shortest_interval_seconds = await session.scalar(
        select(func.min(Monitor.interval_seconds)).where(*PROBED)
    )
    # One row per monitor, kept by the ingester: cheaper than the newest of `checks`.
    facts.last_check_at = await session.scalar(select(func.max(MonitorState.last_checked_at)))
    # Waiting: due now, or tried and waiting for a retry, or held behind one of those
    # (alerting/ordering.py); not an escalation whose delay has not passed.
    due = Notification.next_attempt_at <= now
    retrying = Notification.attempts > 0
    waiting = or_(due, retrying, Notification.blocked_by.is_not(None))
    pending, retries, oldest = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(retrying),
                func.min(Notification.next_attempt_at).filter(due),
            ).where(Notification.status == "pending", waiting)
        )
    ).one()
    facts.pending, facts.retrying = int(pending or 0), int(retries or 0)
    facts.oldest_due_at = oldest
    unplanned, oldest_event = (
        await session.execute(
            select(func.count(), func.min(OutboxEvent.created_at)).where(
                OutboxEvent.planned_at.is_(None)
            )
        )
    ).one()
    facts.unplanned, facts.oldest_unplanned_at = int(unplanned or 0), oldest_event
    facts.dead_letters = await recent_count(session, now=now)
    return facts


def assess(facts: EngineFacts, roles: Mapping[str, bool] | None = None) -> dict[str, Any]:
    """The engines' report: `status` ("ok" or "degraded") and one entry per engine.

    `roles`: liveness of in-process tasks (embedded mode); a dead one is `stopped`, and a
    live one turns `unknown` (nothing in the database to judge by) into `ok`.
    """
    engines: dict[str, Any] = {
        "database": "ok",
        "workers": _workers(facts),
        "scheduler": _scheduler(facts),
        "ingester": _ingester(facts),
        "notifier": _notifier(facts),
    }
    if roles is not None:
        _apply_roles(engines, roles)
    states = [entry["state"] for name, entry in engines.items() if name != "database"]
    degraded = any(state in DEGRADED_STATES for state in states)
    return {"status": "degraded" if degraded else "ok", "engines": engines}


def _workers(facts: EngineFacts) -> dict[str, Any]:
    """Per region (seen with workers, or checked from by active monitors): `ok` with a
    live worker; `stale` when its workers went quiet within FORGET_REGION_AFTER;
    `missing` when active monitors are checked from it and no worker is alive or was
    lately (never started, or decommissioned while still in use), or when active browser
    checks are and no live worker takes them (none started with --browser); else `gone`."""
    regions: dict[str, Any] = {}
    for name in sorted(facts.regions.keys() | facts.monitored.keys()):
        region = facts.regions.get(name, RegionFacts(0, None))
        monitors = facts.monitored.get(name, 0)
        browser_monitors = facts.browser_monitored.get(name, 0)
        if region.live and browser_monitors and not region.live_browser:
            state = "missing"  # its browser checks are not checked
        elif region.live:
            state = "ok"
        elif region.last_seen_at and facts.now - region.last_seen_at <= FORGET_REGION_AFTER:
            state = "stale"
        else:
            state = "missing" if monitors else "gone"
        regions[name] = {
            "state": state,
            "live": region.live,
            "last_seen_at": _iso(region.last_seen_at),
            "monitors": monitors,
        }
        if browser_monitors or region.live_browser:  # said where browser checks matter
            regions[name] |= {
                "live_browser": region.live_browser,
                "browser_monitors": browser_monitors,
            }
    states = {entry["state"] for entry in regions.values()}
    if "stale" in states:
        overall = "stale"
    elif "missing" in states:
        overall = "degraded"
    else:
        overall = "ok" if regions else "unknown"
    return {"state": overall, "regions": regions}


def _scheduler(facts: EngineFacts) -> dict[str, Any]:
    updated = facts.cursor_updated_at
    interval = facts.shortest_interval_seconds
    if updated is None or interval is None:
        # No cursor (never led, or the embedded SQLite mode, which keeps none), or
        # nothing to publish: the cursor cannot say whether the scheduler runs.
        state = "unknown"
    elif facts.now - updated > timedelta(seconds=interval) + SCHEDULER_SLACK:
        state = "stale"
    else:
        state = "ok"
    return {"state": state, "last_published_at": _iso(updated)}


def _ingester(facts: EngineFacts) -> dict[str, Any]:
    seen = [moment for moment in (facts.last_check_at, _newest_beat(facts)) if moment]
    last = max(seen) if seen else None
    if last is None:
        state = "unknown"
    elif facts.now - last <= INGESTER_STALE_AFTER:
        state = "ok"
    else:
        # Without workers only heartbeat pings arrive, as rarely as their period: a
        # quiet hour proves nothing. Workers beat every few seconds, so with them it does.
        state = "stale" if facts.regions else "unknown"
    return {
        "state": state,
        "last_stored_at": _iso(last),
        "last_check_at": _iso(facts.last_check_at),
    }


def _newest_beat(facts: EngineFacts) -> datetime | None:
    seen = [region.last_seen_at for region in facts.regions.values() if region.last_seen_at]
    return max(seen) if seen else None


def _notifier(facts: EngineFacts) -> dict[str, Any]:
    oldest = _age(facts, facts.oldest_due_at)
    oldest_event = _age(facts, facts.oldest_unplanned_at)
    limit = NOTIFIER_STALE_AFTER.total_seconds()
    stale = any(age is not None and age > limit for age in (oldest, oldest_event))
    letters = facts.dead_letters
    return {
        # Not working is worse than having set something aside: stale wins.
        "state": "stale" if stale else "degraded" if letters.count else "ok",
        "pending": facts.pending,
        "retrying": facts.retrying,
        "oldest_pending_seconds": oldest,
        "unplanned_events": facts.unplanned,
        "oldest_unplanned_seconds": oldest_event,
        "dead_letters": letters.count,
        "last_dead_letter_at": _iso(letters.last_at),
    }


def _age(facts: EngineFacts, moment: datetime | None) -> float | None:
    if moment is None:
        return None
    return max(0.0, round((facts.now - moment).total_seconds(), 1))


def _apply_roles(engines: dict[str, Any], roles: Mapping[str, bool]) -> None:
    for engine, tasks in ENGINE_TASKS.items():
        known = [roles[task] for task in tasks if task in roles]
        if not known:
            continue
        entry = engines[engine]
        entry["running"] = all(known)
        if not entry["running"]:
            entry["state"] = "stopped"
        elif entry["state"] == "unknown":
            entry["state"] = "ok"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
