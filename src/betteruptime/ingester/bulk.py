"""The ingester's bulk writes on PostgreSQL, one round trip each (store.py picks them
there; SQLite keeps the generic statements).

- checks: the batch goes as one array per column, `INSERT … SELECT FROM unnest(…) ON
  CONFLICT DO NOTHING RETURNING` the keys that were new;
- rollups: the new checks' minute, hour and day aggregates (computed as before, in
  domain/rollups.py) go as arrays too, and one statement upserts all three tables, each
  conflict merged in SQL exactly as Aggregate.merge does (counts and sums added, NULL as
  0; LEAST/GREATEST skip NULLs as _lowest/_highest do; histograms added index by index
  and written back as encode_histogram writes them: by index, zero counts left out).
  No read of the buckets first, no merge in Python, no statement built by SQLAlchemy.

- states: the batch's changed monitor states (plain rows.py objects, no ORM) in one
  `UPDATE … FROM unnest(…)`, every column.

They run on the session's own asyncpg connection, inside its transaction: the caller
has already run a statement (load_monitors), so the transaction is open.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import Boolean, Float, Integer, SmallInteger, String, inspect
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import MonitorState
from betteruptime.db.models.checks import rollup_values
from betteruptime.db.types import UTCDateTime
from betteruptime.domain.messages import CheckResult
from betteruptime.domain.rollups import RESOLUTIONS, Aggregate, Resolution
from betteruptime.ingester.rows import DecidedState, values_of

CHECK_COLUMNS = {
    "monitor_id": "int4",
    "region": "text",
    "due_at": "timestamptz",
    "checked_at": "timestamptz",
    "up": "bool",
    "response_time_ms": "float8",
    "status_code": "int2",
    "error": "text",
    "dns_ms": "float8",
    "connect_ms": "float8",
    "tls_ms": "float8",
    "first_byte_ms": "float8",
    "body": "text",
    "details": "json",
}
_ARRAYS = ", ".join(f"${n}::{kind}[]" for n, kind in enumerate(CHECK_COLUMNS.values(), 1))
_NAMES = ", ".join(CHECK_COLUMNS)
INSERT_CHECKS = (
    f"INSERT INTO checks ({_NAMES}) SELECT * FROM unnest({_ARRAYS}) AS s({_NAMES})"
    " ON CONFLICT (monitor_id, due_at, region) DO NOTHING"
    " RETURNING monitor_id, due_at, region"
)

# The SQL twin of decode → add → encode_histogram for two 'index:count,…' texts.
_MERGED_HISTOGRAM = """coalesce((
    SELECT string_agg(i::text || ':' || c::text, ',' ORDER BY i) FROM (
        SELECT split_part(p, ':', 1)::int AS i, sum(split_part(p, ':', 2)::bigint) AS c
        FROM unnest(string_to_array(coalesce(r.histogram, ''), ',')
                    || string_to_array(excluded.histogram, ',')) AS p
        WHERE p <> '' GROUP BY 1
    ) AS merged WHERE c <> 0), '')"""
_VALUE_NAMES = ("count", "failures", "rt_count", "rt_sum", "rt_min", "rt_max", "histogram")
_ROLLUP_NAMES = ", ".join(("monitor_id", "bucket_start", *_VALUE_NAMES))


def _upsert(table: str, resolution: int) -> str:
    return f"""INSERT INTO {table} AS r ({_ROLLUP_NAMES})
    SELECT {_ROLLUP_NAMES} FROM fresh WHERE resolution = {resolution}
    ON CONFLICT (monitor_id, bucket_start) DO UPDATE SET
        count = coalesce(r.count, 0) + excluded.count,
        failures = coalesce(r.failures, 0) + excluded.failures,
        rt_count = coalesce(r.rt_count, 0) + excluded.rt_count,
        rt_sum = coalesce(r.rt_sum, 0) + excluded.rt_sum,
        rt_min = least(r.rt_min, excluded.rt_min),
        rt_max = greatest(r.rt_max, excluded.rt_max),
        histogram = {_MERGED_HISTOGRAM}"""


_TABLES = [f"rollups_{resolution}" for resolution in RESOLUTIONS]
UPSERT_ROLLUPS = (
    "WITH fresh AS (SELECT * FROM unnest($1::int2[], $2::int4[], $3::timestamptz[],"
    " $4::int4[], $5::int4[], $6::int4[], $7::float8[], $8::float8[], $9::float8[],"
    f" $10::text[]) AS f(resolution, {_ROLLUP_NAMES}))"
    + "".join(f", up_{n} AS ({_upsert(table, n)})" for n, table in enumerate(_TABLES[:-1]))
    + f" {_upsert(_TABLES[-1], len(_TABLES) - 1)}"
)


def _array_type(column: Any) -> str:
    """The PostgreSQL element type a column's values travel as."""
    kind = column.type
    for python, sql in (
        (UTCDateTime, "timestamptz"),
        (Boolean, "bool"),
        (SmallInteger, "int2"),
        (Integer, "int4"),
        (Float, "float8"),
        (String, "text"),
    ):
        if isinstance(kind, python):
            return sql
    raise TypeError(f"monitor_states.{column.name}: no array type for {kind!r}")


# Every column of a state but its key, so a column added to the model is written too.
_STATE_ATTRIBUTES = [
    (attribute.key, attribute.columns[0])
    for attribute in inspect(MonitorState).column_attrs
    if attribute.key != "monitor_id"
]
_STATE_NAMES = ", ".join(column.name for _, column in _STATE_ATTRIBUTES)
_written: Callable[[DecidedState], tuple[Any, ...]] = attrgetter(
    *(key for key, _ in _STATE_ATTRIBUTES)
)
UPDATE_STATES = (
    "UPDATE monitor_states AS s SET "
    + ", ".join(f"{column.name} = u.{column.name}" for _, column in _STATE_ATTRIBUTES)
    + " FROM unnest($1::int4[], "
    + ", ".join(f"${n}::{_array_type(c)}[]" for n, (_, c) in enumerate(_STATE_ATTRIBUTES, 2))
    + f") AS u(monitor_id, {_STATE_NAMES}) WHERE s.monitor_id = u.monitor_id"
)


async def driver_connection(session: AsyncSession) -> Any:
    """The asyncpg connection under the session, inside the session's open transaction."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if driver is None or not driver.is_in_transaction():
        raise RuntimeError("bulk writes need the session's transaction to be open")
    return driver


def _columns(results: Sequence[CheckResult]) -> list[list[Any]]:
    rows = []
    for result in results:
        timings = result.timings
        rows.append(
            (
                result.monitor_id,
                result.region,
                result.due_at,
                result.checked_at,
                result.up,
                result.response_time_ms,
                result.status_code,
                result.error,
                timings.dns_ms,
                timings.connect_ms,
                timings.tls_ms,
                timings.first_byte_ms,
                result.body,
                None if result.details is None else json.dumps(result.details),
            )
        )
    return _transposed(rows, len(CHECK_COLUMNS))


async def insert_checks(
    session: AsyncSession, unique: dict[tuple[int, datetime, str], CheckResult]
) -> list[CheckResult]:
    """Insert the (deduplicated) results; return those that were not stored already."""
    driver = await driver_connection(session)
    rows = await driver.fetch(INSERT_CHECKS, *_columns(list(unique.values())))
    return [unique[(row[0], row[1], row[2])] for row in rows]


async def upsert_rollups(
    session: AsyncSession, fresh: Mapping[Resolution, dict[tuple[int, datetime], Aggregate]]
) -> None:
    """Merge each resolution's fresh aggregates into its table, in one statement."""
    rows = []
    for number, resolution in enumerate(RESOLUTIONS):
        for (monitor_id, start), aggregate in fresh[resolution].items():
            values = rollup_values(aggregate)
            rows.append((number, monitor_id, start, *(values[name] for name in _VALUE_NAMES)))
    driver = await driver_connection(session)
    await driver.execute(UPSERT_ROLLUPS, *_transposed(rows, 10))


async def write_states(
    session: AsyncSession, states: Sequence[DecidedState], loaded: Mapping[int, tuple[Any, ...]]
) -> None:
    """Write the states whose values differ from `loaded` (rows.load_rows: read under
    the lock this transaction holds), every column, in one statement."""
    changed = [state for state in states if values_of(state) != loaded.get(state.monitor_id)]
    if not changed:
        return
    columns = [[state.monitor_id for state in changed]]
    columns += _transposed([_written(state) for state in changed], len(_STATE_ATTRIBUTES))
    driver = await driver_connection(session)
    await driver.execute(UPDATE_STATES, *columns)


def _transposed(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Columns (one array parameter each) from rows."""
    return [list(values) for values in zip(*rows, strict=True)] if rows else [[]] * width
