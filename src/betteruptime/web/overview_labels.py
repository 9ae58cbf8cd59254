"""What the overview adds to each monitor's row besides its figures: its tags, whether a
maintenance window covers it now, and the sections its group puts it in. One query more
for all of a user's monitors (the windows that may be active), whatever their number:
the tags come with the monitors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import Monitor, MonitorTag
from betteruptime.domain.tags import TAG_SEPARATOR
from betteruptime.services.in_maintenance import monitors_in_maintenance


class Labelled(Protocol):
    name: str
    group: str | None
    tags: list[str]
    in_maintenance: bool


def joined_tags() -> ScalarSelect[str | None]:
    """A column of the monitors query: the monitor's tags joined by commas (a tag holds
    none), so the tags cost no query of their own; read back with `split_tags`."""
    return (
        select(func.aggregate_strings(MonitorTag.tag, TAG_SEPARATOR))
        .where(MonitorTag.monitor_id == Monitor.id)
        .scalar_subquery()
    )


def split_tags(joined: str | None) -> list[str]:
    return sorted(joined.split(TAG_SEPARATOR)) if joined else []


async def mark_in_maintenance(
    session: AsyncSession, rows: Mapping[int, Labelled], *, now: datetime
) -> None:
    """Flag the rows an active maintenance window covers now (one query)."""
    for monitor_id in await monitors_in_maintenance(session, rows.keys(), at=now):
        rows[monitor_id].in_maintenance = True


@dataclass(frozen=True, slots=True)
class Section:
    """The monitors of one group (None: those without one), in the overview's order."""

    group: str | None
    rows: list[Labelled]


def sections(rows: Iterable[Labelled]) -> list[Section]:
    """Rows by group: groups by name (ignoring case), those without a group last; each
    keeps the order the rows came in."""
    by_group: dict[str | None, list[Labelled]] = {}
    for row in rows:
        by_group.setdefault(row.group, []).append(row)
    named = sorted((g for g in by_group if g is not None), key=lambda g: (g.lower(), g))
    ordered: list[str | None] = [*named, *([None] if None in by_group else [])]
    return [Section(group, by_group[group]) for group in ordered]


def all_tags(rows: Iterable[Labelled]) -> list[tuple[str, int]]:
    """Every tag of the rows with how many rows carry it, by tag."""
    counts: dict[str, int] = {}
    for row in rows:
        for tag in row.tags:
            counts[tag] = counts.get(tag, 0) + 1
    return sorted(counts.items())


def all_groups(rows: Iterable[Labelled]) -> list[str]:
    return sorted({row.group for row in rows if row.group is not None}, key=str.lower)
