"""One ingest batch in one transaction: checks, rollups, then decisions (decisions.py).

Idempotent: checks are inserted with ON CONFLICT DO NOTHING on (monitor_id, due_at,
region), and only the rows that were actually new feed the rollups and the state machine,
so a redelivered result changes nothing.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import (
    ROLLUP_MODELS,
    Check,
    CheckScreenshot,
    Monitor,
    MonitorState,
    OutboxEvent,
    PendingDecision,
)
from betteruptime.db.models.checks import aggregate_of, rollup_values
from betteruptime.db.pairs import pair_conditions
from betteruptime.db.types import utcnow
from betteruptime.db.upsert import insert_for
from betteruptime.domain.browser import SCREENSHOT_MAX_BYTES
from betteruptime.domain.clock import honest_checked_at
from betteruptime.domain.messages import CheckResult
from betteruptime.domain.rollups import (
    RESOLUTIONS,
    Aggregate,
    aggregate_checks,
    aggregate_checks_by_resolution,
)
from betteruptime.ingester import bulk as bulk_statements
from betteruptime.ingester.decisions import decide_overdue, decide_ready
from betteruptime.ingester.heartbeats import apply_pings
from betteruptime.ingester.rows import DecidedState, DecidingMonitor, load_rows
from betteruptime.logs import get_logger, kv

log = get_logger("ingester")

ROLLUP_COLUMNS = tuple(rollup_values(Aggregate()))


def _check_row(result: CheckResult) -> dict[str, Any]:
    timings = result.timings
    return {
        "monitor_id": result.monitor_id,
        "region": result.region,
        "due_at": result.due_at,
        "checked_at": result.checked_at,
        "up": result.up,
        "response_time_ms": result.response_time_ms,
        "status_code": result.status_code,
        "error": result.error,
        "dns_ms": timings.dns_ms,
        "connect_ms": timings.connect_ms,
        "tls_ms": timings.tls_ms,
        "first_byte_ms": timings.first_byte_ms,
        "body": result.body,
        "details": result.details,
    }


def bulk_writes(session: AsyncSession) -> bool:
    """Whether the session can take bulk.py's statements (PostgreSQL through asyncpg)."""
    return session.get_bind().dialect.driver == "asyncpg"


async def insert_new_checks(
    session: AsyncSession, results: Sequence[CheckResult], *, bulk: bool = False
) -> list[CheckResult]:
    """Insert results as check rows; return those that were not stored already."""
    unique: dict[tuple[int, datetime, str], CheckResult] = {}
    for result in results:
        unique.setdefault((result.monitor_id, result.due_at, result.region), result)
    if not unique:
        return []
    if bulk:
        return await bulk_statements.insert_checks(session, unique)
    table = Check.__table__
    statement = (
        insert_for(session, table)
        .on_conflict_do_nothing(index_elements=["monitor_id", "due_at", "region"])
        .returning(table.c.monitor_id, table.c.due_at, table.c.region)
    )
    rows = await session.execute(statement, [_check_row(r) for r in unique.values()])
    return [unique[(row.monitor_id, row.due_at, row.region)] for row in rows]


async def insert_screenshots(session: AsyncSession, results: Sequence[CheckResult]) -> None:
    """Store the failure screenshots of newly stored checks (browser checks), decoded
    from the base64 they travelled in. Only new checks are given, so a redelivered result
    stores nothing twice."""
    rows = [
        {"monitor_id": r.monitor_id, "due_at": r.due_at, "region": r.region, "image": image}
        for r in results
        if (image := _screenshot(r)) is not None
    ]
    if rows:
        statement = insert_for(session, CheckScreenshot.__table__).on_conflict_do_nothing(
            index_elements=["monitor_id", "due_at", "region"]
        )
        await session.execute(statement, rows)


def _screenshot(result: CheckResult) -> bytes | None:
    """The result's screenshot as bytes; None without one, or when it is not base64 or
    larger than a worker sends (a worker may run where it is not trusted)."""
    if not result.screenshot:
        return None
    try:
        image = base64.b64decode(result.screenshot, validate=True)
    except ValueError:
        log.warning(kv(event="screenshot_refused", monitor_id=result.monitor_id, why="base64"))
        return None
    if len(image) > SCREENSHOT_MAX_BYTES:
        log.warning(kv(event="screenshot_refused", monitor_id=result.monitor_id, why="size"))
        return None
    return image


async def update_rollups(
    session: AsyncSession, results: Sequence[CheckResult], *, bulk: bool = False
) -> None:
    """Merge the new checks into minute, hour and day rollups: per resolution one read of
    the buckets touched, a merge in memory, one bulk upsert (with `bulk`: one statement
    for all three that merges in SQL, bulk.py). Core statements, not ORM objects: the
    identity map and per-object flush cost more than the merge itself.
    Safe against other ingesters because the caller holds the monitors' state locks."""
    rows = [(r.monitor_id, r.due_at, r.up, r.response_time_ms) for r in results]
    if bulk:
        await bulk_statements.upsert_rollups(session, aggregate_checks_by_resolution(rows))
        return
    for resolution in RESOLUTIONS:
        table = ROLLUP_MODELS[resolution].__table__
        fresh = aggregate_checks(rows, resolution)
        for condition in pair_conditions(table.c.monitor_id, table.c.bucket_start, fresh):
            found = await session.execute(select(table).where(condition))
            for row in found:
                merged = aggregate_of(row)
                merged.merge(fresh[(row.monitor_id, row.bucket_start)])
                fresh[(row.monitor_id, row.bucket_start)] = merged
        values = [
            {"monitor_id": monitor_id, "bucket_start": start, **rollup_values(aggregate)}
            for (monitor_id, start), aggregate in fresh.items()
        ]
        insert = insert_for(session, table)
        statement = insert.on_conflict_do_update(
            index_elements=["monitor_id", "bucket_start"],
            set_={name: insert.excluded[name] for name in ROLLUP_COLUMNS},
        )
        await session.execute(statement, values)


async def load_monitors(
    session: AsyncSession, monitor_ids: set[int]
) -> dict[int, tuple[Monitor, MonitorState]]:
    """Monitors with their state rows, locked (on PostgreSQL) in id order for this
    transaction: decisions for one monitor are serialised across ingesters, and the
    fixed order means two ingesters never deadlock on each other."""
    rows = await session.execute(
        select(Monitor, MonitorState)
        .join(MonitorState, MonitorState.monitor_id == Monitor.id)
        .where(Monitor.id.in_(monitor_ids))
        .order_by(Monitor.id)
        .with_for_update(of=MonitorState)
    )
    return {monitor.id: (monitor, state) for monitor, state in rows}


async def record_results(
    session: AsyncSession, results: Sequence[CheckResult], *, bulk: bool | None = None
) -> list[OutboxEvent]:
    """Store a batch and apply it; the caller commits. Returns the events it created.
    `bulk`: decide on plain rows (rows.py) and write checks, rollups and states with
    bulk.py's one-statement writes; by default wherever they can run (PostgreSQL).
    False keeps the ORM and the generic statements (the ingest bench measures both)."""
    bulk = bulk_writes(session) if bulk is None else bulk
    results = correct_clocks(results, now=utcnow())
    ids = {r.monitor_id for r in results}
    monitors: Mapping[int, tuple[DecidingMonitor, DecidedState]]
    if bulk:
        monitors, loaded = await load_rows(session, ids)
    else:
        monitors = await load_monitors(session, ids)
    results = apply_pings(results, monitors)  # heartbeats: last ping, run start (not a check)
    # Results of deleted monitors are dropped: nothing would ever read or prune them.
    kept = [r for r in results if r.monitor_id in monitors]
    new = await insert_new_checks(session, kept, bulk=bulk)
    events = await _apply(session, monitors, new, bulk=bulk) if new else []
    if bulk:
        await bulk_statements.write_states(session, [s for _, s in monitors.values()], loaded)
    session.add_all(events)
    return events


async def _apply(
    session: AsyncSession,
    monitors: Mapping[int, tuple[DecidingMonitor, DecidedState]],
    new: list[CheckResult],
    *,
    bulk: bool,
) -> list[OutboxEvent]:
    """Screenshots, rollups, the states' latest check, then decisions, for the checks
    just stored."""
    await insert_screenshots(session, new)
    await update_rollups(session, new, bulk=bulk)
    for result in new:
        state = monitors[result.monitor_id][1]
        if state.last_checked_at is None or result.checked_at > state.last_checked_at:
            state.last_checked_at = result.checked_at
            if result.cert_expires_at is not None:
                state.cert_expires_at = result.cert_expires_at
                state.cert_issuer = result.cert_issuer
            if result.domain_expires_at is not None:
                state.domain_expires_at = result.domain_expires_at
    return await decide_ready(session, monitors, new)


def correct_clocks(results: Sequence[CheckResult], *, now: datetime) -> list[CheckResult]:
    """Results whose worker clock is absurd get the ingester's time (domain/clock.py)."""
    corrected: list[CheckResult] = []
    for result in results:
        honest = honest_checked_at(result.checked_at, due_at=result.due_at, now=now)
        if honest is not None:
            log.warning(
                kv(
                    event="clock_corrected",
                    monitor_id=result.monitor_id,
                    region=result.region,
                    reported=result.checked_at.isoformat(),
                )
            )
            result = result.model_copy(update={"checked_at": honest})
        corrected.append(result)
    return corrected


async def decide_overdue_pending(
    session: AsyncSession, *, now: datetime, limit: int = 500
) -> list[OutboxEvent]:
    """Decide parked multi-region due times whose wait for slow regions is over."""
    rows = await session.execute(
        select(PendingDecision.monitor_id, PendingDecision.due_at)
        .where(PendingDecision.decide_by <= now)
        .order_by(PendingDecision.decide_by)
        .limit(limit)
    )
    due = [(monitor_id, due_at) for monitor_id, due_at in rows]
    if not due:
        return []
    monitors = await load_monitors(session, {monitor_id for monitor_id, _ in due})
    events = await decide_overdue(session, monitors, due)
    session.add_all(events)
    return events
