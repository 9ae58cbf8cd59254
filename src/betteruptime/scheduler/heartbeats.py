"""The clock of heartbeat monitors: a ping that does not come becomes a failing result.

Run by the active scheduler only, once a second: one query reads every active heartbeat
with its state, and each monitor whose expected ping is overdue (past its grace) gets ONE
failing CheckResult on the result queue, due at the expected time. The ingester decides
it like any probe result, so the state machine, incidents and alerts stay in one place.

Once per expected time, across restarts and failovers too: the result's due time is the
expected time itself, so a repeat is the same (monitor, due time, region) and stored
once; and once decided it becomes the monitor's `last_due_at`, which moves the baseline
past it (domain/heartbeats.py). The in-memory `_reported` only bridges the moment
between publishing and the ingester's commit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from betteruptime.db.models import Monitor, MonitorState
from betteruptime.db.session import SessionFactory
from betteruptime.domain.heartbeats import (
    PING_REGION,
    Schedule,
    deadline,
    lateness_error,
    latest_missed,
)
from betteruptime.domain.messages import CheckResult
from betteruptime.domain.monitor_kinds import DEFAULT_GRACE_SECONDS
from betteruptime.logs import get_logger, kv
from betteruptime.transport.queues import ResultQueue

log = get_logger("scheduler")

CHECK_EVERY_SECONDS = 1.0
# The check runs on the scheduler's refresh ticks (every 0.5 s) once CHECK_EVERY_SECONDS
# have passed, and takes one query: a missed run is published at most this long after
# its grace ended (README § Heartbeats promises it).
MISSED_REPORTED_WITHIN_SECONDS = 2 * CHECK_EVERY_SECONDS


@dataclass(frozen=True, slots=True)
class HeartbeatRow:
    """What the lateness check needs of one heartbeat monitor and its state."""

    monitor_id: int
    schedule: Schedule
    baseline: datetime
    last_ping_at: datetime | None


def baseline_of(
    *,
    created_at: datetime,
    updated_at: datetime,
    last_ping_at: datetime | None,
    last_due_at: datetime | None,
) -> datetime:
    """Where the monitor's clock starts: its last ping or decided result, or its last
    change (a resumed monitor, or one whose period just shrank, is not failed for pings
    nobody could have sent)."""
    return max(t for t in (created_at, updated_at, last_ping_at, last_due_at) if t is not None)


class HeartbeatClock:
    def __init__(
        self,
        *,
        sessions: SessionFactory,
        results: ResultQueue,
        every_seconds: float = CHECK_EVERY_SECONDS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._results = results
        self._every = every_seconds
        self._clock = clock
        self._next_check = 0.0
        # monitor id -> (baseline, schedule) and the deadline computed for them: the cron
        # maths runs once per new ping, not once per monitor per second.
        self._deadlines: dict[int, tuple[datetime, Schedule, datetime]] = {}
        # monitor id -> the latest expected time published as missed.
        self._reported: dict[int, datetime] = {}
        self._broken: set[tuple[int, Schedule]] = set()
        self.missed = 0

    async def maybe_check(self) -> int:
        """`check()` at most once every `every_seconds`; never raises (logs instead)."""
        now = time.monotonic()
        if now < self._next_check:
            return 0
        self._next_check = now + self._every
        try:
            return await self.check()
        except Exception as error:  # the database or broker is away: next second
            log.warning(kv(event="heartbeat_check_failed", error=type(error).__name__))
            return 0

    async def check(self) -> int:
        """Publish one failure for every heartbeat whose ping is overdue; how many."""
        now = self._clock()
        rows = await self.load()
        failures = [f for row in rows if (f := self._failure(row, now)) is not None]
        alive = {row.monitor_id for row in rows}
        for gone in self._deadlines.keys() - alive:  # deleted, paused or no longer heartbeats
            self._deadlines.pop(gone, None)
            self._reported.pop(gone, None)
        if not failures:
            return 0
        await self._results.publish(failures)
        for failure in failures:
            self._reported[failure.monitor_id] = failure.due_at
            log.info(kv(event="ping_missed", monitor_id=failure.monitor_id, due=failure.due_at))
        self.missed += len(failures)
        return len(failures)

    async def load(self) -> list[HeartbeatRow]:
        """Every active heartbeat with what its state says, in one query."""
        statement = (
            select(
                Monitor.id,
                Monitor.period_seconds,
                Monitor.cron,
                Monitor.timezone,
                Monitor.grace_seconds,
                Monitor.created_at,
                Monitor.updated_at,
                MonitorState.last_ping_at,
                MonitorState.last_due_at,
            )
            .join(MonitorState, MonitorState.monitor_id == Monitor.id)
            .where(Monitor.kind == "heartbeat", Monitor.paused.is_(False))
        )
        async with self._sessions() as session:
            rows = (await session.execute(statement)).all()
        return [
            HeartbeatRow(
                monitor_id=row.id,
                schedule=Schedule(
                    period_seconds=row.period_seconds,
                    cron=row.cron,
                    timezone=row.timezone or "UTC",
                    grace_seconds=(
                        DEFAULT_GRACE_SECONDS if row.grace_seconds is None else row.grace_seconds
                    ),
                ),
                baseline=baseline_of(
                    created_at=row.created_at,
                    updated_at=row.updated_at,
                    last_ping_at=row.last_ping_at,
                    last_due_at=row.last_due_at,
                ),
                last_ping_at=row.last_ping_at,
            )
            for row in rows
        ]

    def _failure(self, row: HeartbeatRow, now: datetime) -> CheckResult | None:
        try:
            if now <= self._deadline(row):
                return None  # the common case: one comparison
            expected = latest_missed(row.schedule, baseline=row.baseline, now=now)
        except Exception as error:  # a schedule stored before validation existed
            if (row.monitor_id, row.schedule) not in self._broken:
                self._broken.add((row.monitor_id, row.schedule))
                log.warning(
                    kv(event="heartbeat_schedule_invalid", monitor_id=row.monitor_id, error=error)
                )
            return None
        reported = self._reported.get(row.monitor_id)
        if expected is None or (reported is not None and expected <= reported):
            return None
        return CheckResult(
            monitor_id=row.monitor_id,
            region=PING_REGION,
            due_at=expected,
            checked_at=now,
            up=False,
            error=lateness_error(row.schedule, expected=expected, last_ping=row.last_ping_at),
        )

    def _deadline(self, row: HeartbeatRow) -> datetime:
        cached = self._deadlines.get(row.monitor_id)
        if cached is not None and cached[:2] == (row.baseline, row.schedule):
            return cached[2]
        value = deadline(row.schedule, row.baseline)
        self._deadlines[row.monitor_id] = (row.baseline, row.schedule, value)
        return value
