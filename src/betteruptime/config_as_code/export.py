"""Exporting: a user's monitors and channels as a file `apply` reads back unchanged.

Channel URLs are written whole (the file is the owner's backup and must be able to
recreate them), so the file holds secrets. A setting equal to the API's default for the
monitor's kind is left out to keep the file short, as is a setting the kind does not
have; interval, timeout and regions never are, since their defaults depend on the
server. Heartbeat ping URLs are not written: the server makes them, and they stay the
same across applies.
"""

from __future__ import annotations

from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.alerting.rules import DEFAULT_EVENTS
from betteruptime.config_as_code.document import MONITOR_FIELDS, ConfigError
from betteruptime.config_as_code.plan import Link, Stored, StoredMonitor
from betteruptime.config_as_code.store import find_organization, find_user, load
from betteruptime.domain.monitor_kinds import field_defaults, fields_of

SECRETS_WARNING = (
    "warning: the exported file holds channel URLs with their passwords and tokens "
    "(and any secrets in monitor headers): keep it private"
)
# Written first, in this order, so a monitor reads from what it is to how it is checked.
_LEADING = ("name", "kind", "url")
# The interval, timeout and regions: their defaults depend on the server, so they are
# always written.
_NO_DEFAULT = object()


def _link(link: Link) -> str | dict[str, Any]:
    if link.events == DEFAULT_EVENTS and link.delay_minutes == 0:
        return link.channel
    written: dict[str, Any] = {"channel": link.channel, "events": list(link.events)}
    if link.delay_minutes:
        written["delay_minutes"] = link.delay_minutes
    return written


def _monitor(monitor: StoredMonitor) -> dict[str, Any]:
    values = monitor.values
    written: dict[str, Any] = {name: values[name] for name in _LEADING if values[name] is not None}
    # Only the kind's own fields: what another kind left behind is not part of it.
    own, defaults = fields_of(values["kind"]), field_defaults(values["kind"])
    for name in MONITOR_FIELDS:
        default = defaults.get(name, _NO_DEFAULT)
        if name in own and name not in written and values[name] != default:
            written[name] = values[name]
    if monitor.links:
        written["channels"] = [_link(link) for link in sorted(monitor.links)]
    if monitor.paused:
        written["paused"] = True
    return written


def _repeated(kind: str, names: list[str]) -> list[str]:
    return [
        f"{names.count(name)} of your {kind}s are named {name!r}: names identify them in a "
        "file, so rename all but one first"
        for name in sorted(set(names))
        if names.count(name) > 1
    ]


def render(stored: Stored) -> str:
    """The YAML for `stored`; ConfigError if two monitors or two channels share a name
    (the file could not say which is which)."""
    problems = _repeated("channel", [c.name for c in stored.channels])
    problems += _repeated("monitor", [m.name for m in stored.monitors])
    if problems:
        raise ConfigError(problems)
    document = {
        "version": 1,
        "channels": [{"name": c.name, "url": c.url} for c in stored.channels],
        "monitors": [_monitor(monitor) for monitor in stored.monitors],
    }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


async def export_text(
    session: AsyncSession, *, email: str | None = None, organization: str | None = None
) -> str:
    """The organization's monitors and channels as YAML (read only); by default the
    user's personal organization's."""
    user = await find_user(session, email=email)
    organization_id = await find_organization(session, user=user, named=organization)
    return render((await load(session, organization_id=organization_id)).stored)
