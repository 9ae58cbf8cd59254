"""What applying a file would change: a pure comparison of the file with what is stored.

Monitors and channels are matched by name within one user. A monitor's settings are
compared after filling in the defaults the API would give (interval, timeout, kind
defaults), so a file that leaves a field out means "the default", and applying the same
file twice finds nothing to do. `regions` is the exception: left out, a new monitor gets
the regions live now (as through the API) and an existing one keeps its own, so a
worker going away does not rewrite monitors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from betteruptime.config_as_code.document import (
    ChannelLink,
    ConfigError,
    Document,
    MonitorSpec,
)
from betteruptime.domain.monitor_kinds import new_monitor_values, same_value
from betteruptime.services.monitors import check_rules, server_defaults
from betteruptime.settings import Settings

Named = TypeVar("Named", "StoredChannel", "StoredMonitor")


@dataclass(frozen=True, slots=True, order=True)
class Link:
    """A monitor's channel by name, with its rule (events in canonical order)."""

    channel: str
    events: tuple[str, ...]
    delay_minutes: int = 0

    @classmethod
    def of(cls, link: ChannelLink) -> Link:
        return cls(link.channel, tuple(link.events), link.delay_minutes)


@dataclass(frozen=True, slots=True)
class StoredChannel:
    id: int
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class StoredMonitor:
    id: int
    name: str
    values: Mapping[str, Any]  # the columns named by document.MONITOR_FIELDS
    links: frozenset[Link]
    paused: bool


@dataclass(frozen=True, slots=True)
class Stored:
    """One user's monitors and channels as the database has them."""

    channels: tuple[StoredChannel, ...] = ()
    monitors: tuple[StoredMonitor, ...] = ()


@dataclass(frozen=True, slots=True)
class NewChannel:
    path: str
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class ChannelChange:
    path: str
    stored: StoredChannel
    url: str


@dataclass(frozen=True, slots=True)
class NewMonitor:
    path: str
    name: str
    values: dict[str, Any]
    links: tuple[Link, ...]
    paused: bool


@dataclass(frozen=True, slots=True)
class MonitorChange:
    path: str
    stored: StoredMonitor
    changes: dict[str, Any]  # only the settings that differ
    links: tuple[Link, ...] | None  # None: the links stay as they are
    paused: bool | None  # None: stays as it is

    def changed(self) -> list[str]:
        names = sorted(self.changes)
        names += ["channels"] if self.links is not None else []
        return names + (["paused"] if self.paused is not None else [])


@dataclass(slots=True)
class Plan:
    new_channels: list[NewChannel] = field(default_factory=list)
    changed_channels: list[ChannelChange] = field(default_factory=list)
    deleted_channels: list[StoredChannel] = field(default_factory=list)
    new_monitors: list[NewMonitor] = field(default_factory=list)
    changed_monitors: list[MonitorChange] = field(default_factory=list)
    deleted_monitors: list[StoredMonitor] = field(default_factory=list)

    @property
    def created(self) -> int:
        return len(self.new_channels) + len(self.new_monitors)

    @property
    def updated(self) -> int:
        return len(self.changed_channels) + len(self.changed_monitors)

    @property
    def deleted(self) -> int:
        return len(self.deleted_channels) + len(self.deleted_monitors)

    def summary(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.deleted} deleted"

    def lines(self, *, dry_run: bool = False) -> list[str]:
        """One line per change, naming what changes (never a value: URLs hold secrets)."""
        create, update, delete = (
            ("would create", "would update", "would delete")
            if dry_run
            else ("created", "updated", "deleted")
        )
        lines = [f'{create} channel "{c.name}"' for c in self.new_channels]
        lines += [f'{update} channel "{c.stored.name}": url' for c in self.changed_channels]
        lines += [f'{create} monitor "{m.name}"' for m in self.new_monitors]
        lines += [
            f'{update} monitor "{m.stored.name}": {", ".join(m.changed())}'
            for m in self.changed_monitors
        ]
        lines += [f'{delete} monitor "{m.name}"' for m in self.deleted_monitors]
        return lines + [f'{delete} channel "{c.name}"' for c in self.deleted_channels]


def desired_values(
    spec: MonitorSpec, *, settings: Settings, regions: Sequence[str]
) -> dict[str, Any]:
    """The monitor's settings with the defaults the API would fill in (the same
    function decides them); `regions` is used when the file gives none."""
    return new_monitor_values(spec.monitor_values(), server_defaults(settings, regions))


def _same(name: str, wanted: Any, stored: Any) -> bool:
    if name == "json_expected":
        return same_value(wanted, stored)
    return bool(wanted == stored)


def _by_name(items: Sequence[Named]) -> dict[str, list[Named]]:
    named: dict[str, list[Named]] = {}
    for item in items:
        named.setdefault(item.name, []).append(item)
    return named


def _one(found: list[Named], *, path: str, kind: str, problems: list[str]) -> Named | None:
    """The stored object a file entry names; a problem if the name is ambiguous."""
    if len(found) > 1:
        ids = ", ".join(str(item.id) for item in found)
        problems.append(
            f"{path}.name: {len(found)} of your {kind}s have this name (ids {ids}); "
            "rename or delete all but one first"
        )
        return None
    return found[0] if found else None


class _Planner:
    def __init__(self, stored: Stored, *, prune: bool) -> None:
        self.stored, self.prune = stored, prune
        self.channels = _by_name(stored.channels)
        self.monitors = _by_name(stored.monitors)
        self.problems: list[str] = []
        self.plan = Plan()

    def channels_of(self, document: Document) -> None:
        for index, channel in enumerate(document.channels):
            path = f"channels[{index}]"
            found = self.channels.get(channel.name, [])
            current = _one(found, path=path, kind="channel", problems=self.problems)
            if current is None and not found:
                self.plan.new_channels.append(NewChannel(path, channel.name, channel.url))
            elif current is not None and current.url != channel.url:
                self.plan.changed_channels.append(ChannelChange(path, current, channel.url))
        if self.prune:
            named = {channel.name for channel in document.channels}
            self.plan.deleted_channels = [c for c in self.stored.channels if c.name not in named]

    def check_links(self, document: Document) -> None:
        """Each named channel is in the file, or (without --prune) one of the user's."""
        in_file = {channel.name for channel in document.channels}
        for index, monitor in enumerate(document.monitors):
            for position, link in enumerate(monitor.channels):
                name, path = link.channel, f"monitors[{index}].channels[{position}]"
                found = [] if self.prune else self.channels.get(name, [])
                if name in in_file or len(found) == 1:
                    continue
                if found:
                    self.problems.append(
                        f"{path}: {len(found)} of your channels are named {name!r}; "
                        "list the one you mean in the file's channels"
                    )
                else:
                    where = "in the file" if self.prune else "in the file or among yours"
                    self.problems.append(f"{path}: no channel named {name!r} {where}")

    def _check(
        self, path: str, values: Mapping[str, Any], settings: Settings, spec: MonitorSpec
    ) -> None:
        """The rules the API checks on a whole monitor (services.monitors.check_rules)."""
        problems = check_rules(values, settings=settings, sent=spec.monitor_values())
        self.problems += [f"{path}.{p.field}: {p.message}" for p in problems]

    def monitors_of(
        self, document: Document, *, settings: Settings, regions: Sequence[str]
    ) -> None:
        for index, spec in enumerate(document.monitors):
            path = f"monitors[{index}]"
            found = self.monitors.get(spec.name, [])
            current = _one(found, path=path, kind="monitor", problems=self.problems)
            if found and current is None:
                continue
            keep = current.values["regions"] if current is not None else regions
            values = desired_values(spec, settings=settings, regions=keep)
            links = tuple(sorted(Link.of(link) for link in spec.channels))
            if current is None:
                self._check(path, values, settings, spec)
                new = NewMonitor(path, spec.name, values, links, paused=bool(spec.paused))
                self.plan.new_monitors.append(new)
                continue
            changes = {
                name: value
                for name, value in values.items()
                if not _same(name, value, current.values.get(name))
            }
            relink = links if frozenset(links) != current.links else None
            pause = spec.paused if spec.paused not in (None, current.paused) else None
            if changes or relink is not None:
                # As a PATCH would: a monitor left alone is not held to rules made since.
                self._check(path, values, settings, spec)
            if changes or relink is not None or pause is not None:
                change = MonitorChange(path, current, changes, relink, pause)
                self.plan.changed_monitors.append(change)
        if self.prune:
            named = {monitor.name for monitor in document.monitors}
            self.plan.deleted_monitors = [m for m in self.stored.monitors if m.name not in named]


def build_plan(
    document: Document,
    stored: Stored,
    *,
    settings: Settings,
    default_regions: Sequence[str],
    prune: bool = False,
) -> Plan:
    """The creations, updates and deletions that make `stored` what `document` says.

    Checks every rule the API would check on the result (minimum interval, timeout below
    interval, what each kind needs, channel names), and raises ConfigError listing every
    problem with its path; a plan is only returned when all of it can be applied.
    `default_regions` is what a new monitor without `regions` gets.
    """
    planner = _Planner(stored, prune=prune)
    planner.channels_of(document)
    planner.check_links(document)
    planner.monitors_of(document, settings=settings, regions=default_regions)
    if planner.problems:
        raise ConfigError(planner.problems)
    return planner.plan
