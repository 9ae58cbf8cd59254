"""What deciding reads of a monitor and changes of its state, as protocols, and the plain
objects the bulk path (PostgreSQL) decides on instead of ORM objects.

decisions.py and heartbeats.py are written against the protocols, so they run the same
on the ORM's Monitor and MonitorState (SQLite, the overdue decisions) and on the plain
rows loaded here (`load_rows`): the same columns, locked the same way (FOR UPDATE of the
states, in id order), without an identity map, per-attribute tracking or a flush; the
caller writes the states that changed with bulk.write_states.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, make_dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any, Protocol

from sqlalchemy import JSON, column, text
from sqlalchemy.ext.asyncio import AsyncSession


class DecidingMonitor(Protocol):
    """What deciding reads of a monitor."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def regions(self) -> list[str]: ...
    @property
    def min_failed_regions(self) -> int | None: ...
    @property
    def paused(self) -> bool: ...
    @property
    def failure_threshold(self) -> int: ...
    @property
    def recovery_threshold(self) -> int: ...
    @property
    def degraded_after_ms(self) -> int | None: ...
    @property
    def timeout_seconds(self) -> float: ...


class DecidedState(Protocol):
    """A monitor's state, as deciding and pings change it."""

    monitor_id: int
    status: str
    consecutive_failures: int
    consecutive_successes: int
    last_checked_at: datetime | None
    last_due_at: datetime | None
    streak_started_at: datetime | None
    last_error: str | None
    open_incident_id: int | None
    cert_expires_at: datetime | None
    cert_issuer: str | None
    domain_expires_at: datetime | None
    last_ping_at: datetime | None
    run_started_at: datetime | None


@dataclass(frozen=True, slots=True)
class MonitorRules:
    id: int
    kind: str
    regions: list[str]
    min_failed_regions: int | None
    paused: bool
    failure_threshold: int
    recovery_threshold: int
    degraded_after_ms: int | None
    timeout_seconds: float


# A plain object with every attribute of DecidedState, which names every column of
# monitor_states (tests/ingester/test_bulk.py keeps them in step).
StateRow: type[Any] = make_dataclass(
    "StateRow", list(DecidedState.__annotations__.items()), slots=True
)


RULE_NAMES = tuple(field.name for field in fields(MonitorRules))
STATE_NAMES = tuple(field.name for field in fields(StateRow))
Loaded = dict[int, tuple[DecidingMonitor, DecidedState]]


values_of: Callable[[DecidedState], tuple[Any, ...]] = attrgetter(*STATE_NAMES)

_RULES_AND_STATES = text(
    "SELECT "
    + ", ".join(f"m.{name}" for name in RULE_NAMES)
    + ", "
    + ", ".join(f"s.{name}" for name in STATE_NAMES)
    + " FROM monitors AS m JOIN monitor_states AS s ON s.monitor_id = m.id"
    " WHERE m.id = ANY(:ids) ORDER BY m.id FOR UPDATE OF s"
).columns(
    *(
        column(name, JSON) if name == "regions" else column(name)
        for name in RULE_NAMES + STATE_NAMES
    )
)


async def load_rows(
    session: AsyncSession, monitor_ids: set[int]
) -> tuple[Loaded, dict[int, tuple[Any, ...]]]:
    """The monitors' rules and states, the states locked in id order as load_monitors
    locks them, and each state's values as loaded (to tell which changed). PostgreSQL
    only (`= ANY(array)`); its driver gives timestamps in UTC, as UTCDateTime does."""
    rows = await session.execute(_RULES_AND_STATES, {"ids": sorted(monitor_ids)})
    loaded: Loaded = {}
    split = len(RULE_NAMES)
    for row in rows:
        state = StateRow(*row[split:])
        loaded[row[0]] = (MonitorRules(*row[:split]), state)
    return loaded, {monitor_id: values_of(state) for monitor_id, (_, state) in loaded.items()}
