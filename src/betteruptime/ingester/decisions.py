"""Turning stored checks into decisions: quorum across regions, the state machine,
incidents and their events.

A due time is decided once: immediately when every region it waits for has reported
(single-region monitors always), otherwise when the last of them reports or at its
`decide_by` deadline, whichever comes first. It does not wait for a region with no live
worker (domain/quorum.py). Decisions for a monitor run in due-time order under a row lock
on its state, so several ingesters never decide the same monitor at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import (
    Check,
    Incident,
    OutboxEvent,
    PendingDecision,
)
from betteruptime.db.pairs import pair_conditions
from betteruptime.db.types import utcnow
from betteruptime.domain.degraded import judge_speed, machine_status, typical_response_ms
from betteruptime.domain.heartbeats import PING_REGION
from betteruptime.domain.messages import CheckResult
from betteruptime.domain.quorum import RegionReport, Verdict, awaited_regions, judge
from betteruptime.domain.state_machine import MonitorStatus, apply_outcome
from betteruptime.domain.workers import LiveRegions
from betteruptime.ingester.rows import DecidedState, DecidingMonitor
from betteruptime.services.in_maintenance import monitors_in_maintenance
from betteruptime.services.regions import live_workers

# How long past its timeout a due time waits for slower regions before it is decided.
REGION_GRACE = timedelta(seconds=5)

Key = tuple[int, datetime]


def judged_regions(monitor: DecidingMonitor) -> list[str]:
    """The regions whose reports make a due time complete. A heartbeat is judged from
    its pings alone (one pseudo-region), whatever probing regions the monitor lists."""
    if monitor.kind == "heartbeat":
        return [PING_REGION]
    return monitor.regions or ["default"]


async def reports_for(session: AsyncSession, keys: Iterable[Key]) -> dict[Key, list[RegionReport]]:
    """Every stored region report of the given (monitor, due time) pairs."""
    found: dict[Key, list[RegionReport]] = defaultdict(list)
    for condition in pair_conditions(Check.monitor_id, Check.due_at, keys):
        rows = await session.execute(
            select(
                Check.monitor_id,
                Check.due_at,
                Check.region,
                Check.up,
                Check.error,
                Check.response_time_ms,
            ).where(condition)
        )
        for monitor_id, due_at, region, up, error, response_ms in rows:
            found[(monitor_id, due_at)].append(RegionReport(region, up, error, response_ms))
    return found


async def decide_ready(
    session: AsyncSession,
    monitors: Mapping[int, tuple[DecidingMonitor, DecidedState]],
    new: Sequence[CheckResult],
) -> list[OutboxEvent]:
    """Decide the due times that just got new results, or park them until complete.

    Single-region monitors (the common case) are decided from the new results alone, with
    no further query; only multi-region ones read the other regions' stored reports.
    """
    single: dict[Key, list[RegionReport]] = {}
    multi: set[Key] = set()
    for result in new:
        key = (result.monitor_id, result.due_at)
        if len(judged_regions(monitors[result.monitor_id][0])) > 1:
            multi.add(key)
        else:
            single.setdefault(key, []).append(
                RegionReport(result.region, result.up, result.error, result.response_time_ms)
            )
    reports = {**single, **(await reports_for(session, multi) if multi else {})}
    parked = await _parked(session, {monitor_id for monitor_id, _ in multi})
    live = await live_workers(session) if multi else LiveRegions()
    events: list[OutboxEvent] = []
    for monitor_id, due_at in sorted(reports):
        monitor, state = monitors[monitor_id]
        if state.last_due_at is not None and due_at <= state.last_due_at:
            continue  # an older due time arriving late: stored, but already decided past
        got = reports[(monitor_id, due_at)]
        awaited = awaited_regions(judged_regions(monitor), live=live.for_kind(monitor.kind))
        if {r.region for r in got} >= set(awaited):
            waiting = parked.get(monitor_id, [])
            earlier = [(monitor_id, d) for d in waiting if d < due_at]
            if earlier:
                # Newer complete information: stop waiting for the older due times.
                events += await decide_overdue(session, {monitor_id: (monitor, state)}, earlier)
            if due_at in waiting:
                await _unpark(session, [(monitor_id, due_at)])
            parked[monitor_id] = [d for d in waiting if d > due_at]
            events += await _decide(session, monitor, state, due_at, got, awaited=len(awaited))
        elif due_at not in parked.get(monitor_id, []):
            await _park(session, monitor, due_at)
            parked.setdefault(monitor_id, []).append(due_at)
    return events


async def _parked(session: AsyncSession, monitor_ids: set[int]) -> dict[int, list[datetime]]:
    """Due times still waiting for regions, per monitor, in one query."""
    if not monitor_ids:
        return {}
    rows = await session.execute(
        select(PendingDecision.monitor_id, PendingDecision.due_at)
        .where(PendingDecision.monitor_id.in_(monitor_ids))
        .order_by(PendingDecision.due_at)
    )
    parked: dict[int, list[datetime]] = {}
    for monitor_id, due_at in rows:
        parked.setdefault(monitor_id, []).append(due_at)
    return parked


async def decide_overdue(
    session: AsyncSession,
    monitors: Mapping[int, tuple[DecidingMonitor, DecidedState]],
    keys: Sequence[Key],
) -> list[OutboxEvent]:
    """Decide parked due times whose deadline passed, with whatever regions reported."""
    reports = await reports_for(session, keys)
    live = await live_workers(session)
    events: list[OutboxEvent] = []
    for monitor_id, due_at in sorted(keys):
        if monitor_id not in monitors:
            continue
        monitor, state = monitors[monitor_id]
        if state.last_due_at is None or due_at > state.last_due_at:
            awaited = len(
                awaited_regions(judged_regions(monitor), live=live.for_kind(monitor.kind))
            )
            got = reports[(monitor_id, due_at)]
            events += await _decide(session, monitor, state, due_at, got, awaited=awaited)
    await _unpark(session, keys)
    return events


async def _park(session: AsyncSession, monitor: DecidingMonitor, due_at: datetime) -> None:
    deadline = due_at + timedelta(seconds=monitor.timeout_seconds) + REGION_GRACE
    session.add(PendingDecision(monitor_id=monitor.id, due_at=due_at, decide_by=deadline))


async def _unpark(session: AsyncSession, keys: Sequence[Key]) -> None:
    for condition in pair_conditions(PendingDecision.monitor_id, PendingDecision.due_at, keys):
        await session.execute(delete(PendingDecision).where(condition))


async def _decide(
    session: AsyncSession,
    monitor: DecidingMonitor,
    state: DecidedState,
    due_at: datetime,
    reports: list[RegionReport],
    *,
    awaited: int,
) -> list[OutboxEvent]:
    """Feed one due time's combined outcome into the state machine; record what it says.
    `awaited`: how many of the monitor's regions the due time waited for.

    Returns its events: a transition's, and `degraded` when the monitor just became slow
    (after a recovery's `up` when it comes back slow)."""
    verdict = judge(
        reports,
        region_count=len(judged_regions(monitor)),
        min_failed=monitor.min_failed_regions,
        awaited=awaited,
    )
    state.last_due_at = due_at
    if not verdict.up:
        state.last_error = verdict.cause
    if monitor.paused:
        return []
    previous = state.status
    before = MonitorStatus(
        machine_status(previous),
        state.consecutive_failures,
        state.consecutive_successes,
    )
    decision = apply_outcome(
        before,
        up=verdict.up,
        failure_threshold=monitor.failure_threshold,
        recovery_threshold=monitor.recovery_threshold,
    )
    after = decision.state
    if after.consecutive_failures == 1 or after.consecutive_successes == 1:
        state.streak_started_at = due_at
    speed = judge_speed(
        after.status,
        previous=previous,
        up=verdict.up,
        response_time_ms=typical_response_ms(reports),
        degraded_after_ms=monitor.degraded_after_ms,
    )
    state.status = speed.status
    state.consecutive_failures = after.consecutive_failures
    state.consecutive_successes = after.consecutive_successes
    events: list[OutboxEvent] = []
    if decision.transition == "down":
        events.append(await _open_incident(session, monitor, state, verdict, due_at))
    if decision.transition == "up":
        events.append(await _resolve_incident(session, monitor, state))
    if speed.entered:
        events.append(OutboxEvent(type="degraded", monitor_id=monitor.id, at=due_at))
    return events


async def _open_incident(
    session: AsyncSession,
    monitor: DecidingMonitor,
    state: DecidedState,
    verdict: Verdict,
    due_at: datetime,
) -> OutboxEvent:
    started_at = state.streak_started_at or due_at
    confirmed_at = utcnow()
    # The record stays honest inside a maintenance window; the flag is why nobody was told.
    in_maintenance = await monitors_in_maintenance(session, {monitor.id}, at=confirmed_at)
    incident = Incident(
        monitor_id=monitor.id,
        status="open",
        started_at=started_at,
        cause=verdict.cause,
        confirmed_at=confirmed_at,
        in_maintenance=bool(in_maintenance),
    )
    session.add(incident)
    await session.flush()  # the event and the state carry the incident's id
    state.open_incident_id = incident.id
    return OutboxEvent(
        type="down",
        monitor_id=monitor.id,
        incident_id=incident.id,
        at=started_at,
        cause=verdict.cause,
    )


async def _resolve_incident(
    session: AsyncSession, monitor: DecidingMonitor, state: DecidedState
) -> OutboxEvent:
    resolved_at = state.streak_started_at
    incident_id = state.open_incident_id
    if incident_id is not None:
        incident = await session.get(Incident, incident_id)
        if incident is not None and incident.status == "open":
            incident.status = "resolved"
            incident.resolved_at = resolved_at
    state.open_incident_id = None
    return OutboxEvent(type="up", monitor_id=monitor.id, incident_id=incident_id, at=resolved_at)
