"""The ingester's bulk writes on PostgreSQL (ingester/bulk.py) store exactly what the
generic statements store: the same batches, redeliveries included, through both paths
into two sets of monitors give the same checks, rollups, states and events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from betteruptime.db.models import ROLLUP_MODELS, Check, MonitorState
from betteruptime.db.session import SessionFactory
from betteruptime.domain.messages import CheckResult
from betteruptime.ingester.rows import STATE_NAMES
from betteruptime.ingester.store import bulk_writes, record_results
from testkit.results import result

MonitorFactory = Callable[..., Awaitable[int]]
CHECK_FIELDS = ("due_at", "region", "checked_at", "up", "response_time_ms", "status_code")
CHECK_FIELDS += ("error", "dns_ms", "connect_ms", "tls_ms", "first_byte_ms", "body", "details")
ROLLUP_FIELDS = ("bucket_start", "count", "failures", "rt_count", "rt_sum", "rt_min", "rt_max")
ROLLUP_FIELDS += ("histogram",)
STATE_FIELDS = ("status", "consecutive_failures", "consecutive_successes", "last_due_at")
STATE_FIELDS += ("last_checked_at", "last_error", "streak_started_at")


def batches(monitor_ids: Sequence[int]) -> list[list[CheckResult]]:
    """Minutes of results: ups with response times spread over many histogram buckets,
    an outage, a recovery, a result without a response time, details, a redelivered
    batch, and a result for a due time already decided past arriving late."""
    made: list[list[CheckResult]] = []
    for minute in range(6):
        batch = []
        for number, monitor_id in enumerate(monitor_ids):
            second = minute * 60 + number
            up = not (number == 1 and 2 <= minute <= 3)
            ms = None if (number == 2 and minute == 4) else 0.5 + 37.3 * (minute + number) ** 2
            check = result(monitor_id, second, up=up, ms=ms)
            if number == 0 and minute == 1:
                check = check.model_copy(update={"details": {"steps": [{"name": "a"}]}})
            batch.append(check)
        made.append(batch)
    made.append(made[3])  # redelivered whole
    made.append([result(monitor_ids[0], 30, up=False)])  # older than what was decided
    return made


def fields(row: Any, names: Sequence[str]) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in names)


async def stored(sessions: SessionFactory, monitor_id: int) -> dict[str, Any]:
    async with sessions() as session:
        checks = await session.scalars(
            select(Check).where(Check.monitor_id == monitor_id).order_by(Check.due_at)
        )
        found: dict[str, Any] = {"checks": [fields(c, CHECK_FIELDS) for c in checks]}
        for resolution, model in ROLLUP_MODELS.items():
            rows = await session.scalars(
                select(model).where(model.monitor_id == monitor_id).order_by(model.bucket_start)
            )
            found[resolution] = [fields(r, ROLLUP_FIELDS) for r in rows]
        state = await session.get(MonitorState, monitor_id)
        assert state is not None
        found["state"] = (*fields(state, STATE_FIELDS), state.open_incident_id is None)
    return found


async def test_bulk_writes_store_exactly_what_the_generic_statements_store(
    sessions: SessionFactory, make_monitor: MonitorFactory, database_url: str
) -> None:
    async with sessions() as session:
        can_bulk = bulk_writes(session)
    assert can_bulk == database_url.startswith("postgresql")  # SQLite keeps the generic path
    generic = [await make_monitor(failure_threshold=2) for _ in range(3)]
    bulk = [await make_monitor(failure_threshold=2) for _ in range(3)]
    events: dict[bool, list[tuple[str, int]]] = {False: [], True: []}
    for batch_generic, batch_bulk in zip(batches(generic), batches(bulk), strict=True):
        for ids, use_bulk, batch in ((generic, False, batch_generic), (bulk, True, batch_bulk)):
            async with sessions() as session, session.begin():
                made = await record_results(session, batch, bulk=use_bulk and can_bulk)
            events[use_bulk] += [(e.type, ids.index(e.monitor_id or 0)) for e in made]
    assert events[True] == events[False]
    assert ("down", 1) in events[True] and ("up", 1) in events[True]
    for generic_id, bulk_id in zip(generic, bulk, strict=True):
        assert await stored(sessions, bulk_id) == await stored(sessions, generic_id)
    minutes = (await stored(sessions, bulk[0]))["minute"]
    # Redelivered: counted once; the late result's minute has it besides its own.
    assert [row[1] for row in minutes] == [2, 1, 1, 1, 1, 1]
    hour = (await stored(sessions, bulk[2]))["hour"]
    assert hour[0][1:4] == (6, 0, 5)  # six checks, one without a response time
    assert hour[0][-1].count(",") >= 3  # several histogram buckets, merged across batches


async def test_a_batch_with_a_result_already_stored_returns_only_the_new_ones(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor()
    first = [result(monitor_id, 0, up=True)]
    async with sessions() as session, session.begin():
        await record_results(session, first)
    both = [*first, result(monitor_id, 60, up=True), result(monitor_id, 60, up=True)]
    async with sessions() as session, session.begin():
        await record_results(session, both)
    async with sessions() as session:
        rows = (await session.scalars(select(Check.due_at).order_by(Check.due_at))).all()
        hour = (await session.scalars(select(ROLLUP_MODELS["hour"]))).one()
    assert rows == [first[0].due_at, first[0].due_at + timedelta(seconds=60)]
    assert (hour.count, hour.rt_count) == (2, 2)


def test_the_plain_state_row_has_every_column_of_monitor_states() -> None:
    # The bulk path writes every column from a StateRow: one missing would be lost.
    assert tuple(column.key for column in MonitorState.__table__.columns) == STATE_NAMES
