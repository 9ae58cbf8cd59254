"""Selecting rows by many (id, time) pairs without one long row-value IN list.

`(monitor_id, bucket_start) IN ((…), (…), …)` with a thousand pairs is planned by
PostgreSQL as a thousand OR-ed index probes and cost the ingester more than all of its
writes together (python -m bench ingest: 75 ms per read of 1,000 pairs). Rollup buckets
of one batch share a handful of times, so each time shared by several ids gets one
condition, `time = t AND id IN (…)`, a single index scan on either engine. Pairs whose
time is their own (checks' due times differ per monitor: each has its own phase) stay in
row-value IN lists, as short as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, tuple_

# Ids per `time = t AND id IN (…)` condition: keeps each list (and SQLite's parameter
# count) a sane size.
IDS_PER_CONDITION = 1000
# A time shared by fewer ids than this is not worth a query of its own.
SHARED_TIME_MIN_IDS = 8
# Pairs per row-value IN list.
PAIRS_PER_CONDITION = 500


def pair_conditions(
    id_column: Any, time_column: Any, pairs: Iterable[tuple[int, datetime]]
) -> Iterator[ColumnElement[bool]]:
    """Conditions that together select exactly the given pairs, one query each."""
    by_time: dict[datetime, set[int]] = {}
    for row_id, at in pairs:
        by_time.setdefault(at, set()).add(row_id)
    lone: list[tuple[int, datetime]] = []
    for at, ids in by_time.items():
        ordered = sorted(ids)
        if len(ordered) < SHARED_TIME_MIN_IDS:
            lone += [(row_id, at) for row_id in ordered]
            continue
        for start in range(0, len(ordered), IDS_PER_CONDITION):
            yield and_(time_column == at, id_column.in_(ordered[start : start + IDS_PER_CONDITION]))
    for start in range(0, len(lone), PAIRS_PER_CONDITION):
        yield tuple_(id_column, time_column).in_(lone[start : start + PAIRS_PER_CONDITION])
