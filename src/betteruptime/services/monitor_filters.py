"""Which of an organization's monitors a list or a bulk action is about: by tags, group,
status and a search of name and URL, as conditions on one query (never a filter in
memory after reading them all)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select

from betteruptime.db.models import Monitor, MonitorState, MonitorTag


@dataclass(frozen=True, slots=True)
class MonitorFilter:
    """Every field given narrows the list; an empty filter takes every monitor.

    `ids`: those monitors; `tags`: monitors with all of them; `status`: as the API
    says it (`paused` while paused, `pending` before the first decision); `query`: in
    the name or the URL, ignoring case (ASCII letters on SQLite)."""

    ids: Collection[int] | None = None
    tags: Sequence[str] = ()
    group: str | None = None
    status: str | None = None
    query: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The conditions on `Monitor` (outer-joined with `MonitorState` for a status)."""
        found: list[ColumnElement[bool]] = [has_tag(tag) for tag in dict.fromkeys(self.tags)]
        if self.ids is not None:
            found.append(Monitor.id.in_(sorted(set(self.ids))))
        if self.group is not None:
            found.append(Monitor.group == self.group)
        if self.status is not None:
            found.append(status_is(self.status))
        if self.query:
            found.append(
                or_(
                    Monitor.name.icontains(self.query, autoescape=True),
                    Monitor.url.icontains(self.query, autoescape=True),
                )
            )
        return found


def has_tag(tag: str) -> ColumnElement[bool]:
    """The monitor has `tag` (monitor_tags' index by tag finds them)."""
    return Monitor.id.in_(select(MonitorTag.monitor_id).where(MonitorTag.tag == tag))


def status_is(status: str) -> ColumnElement[bool]:
    if status == "paused":
        return Monitor.paused.is_(True)
    return Monitor.paused.is_(False) & (func.coalesce(MonitorState.status, "pending") == status)
