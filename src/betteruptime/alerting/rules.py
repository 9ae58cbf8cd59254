"""Notification rules: which of a monitor's channels get an event, and when.

Each link between a monitor and a channel names the event types it delivers and an optional delay. A
delay turns the link into an escalation ("SMS only if still down after 5 minutes"): its
down message is due that much after the failure was confirmed, and the notifier drops it
if by then the incident was acknowledged or resolved. A delayed link hears the later
events of an incident (reminders, acknowledgement, recovery) only if its down message
went out, so nobody is told "recovered" about an outage they never heard of.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import get_args

from betteruptime.domain.messages import EventType

EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
# What a link hears when it names no events (`channel_ids`, or a rule without `events`).
# `degraded` is opt-in: slowness is not an outage, and nobody asked for it until now.
DEFAULT_EVENTS: tuple[EventType, ...] = ("down", "up", "reminder", "acknowledged")
MAX_DELAY_MINUTES = 24 * 60


@dataclass(frozen=True, slots=True)
class Link:
    channel_id: int
    events: frozenset[str]
    delay_minutes: int = 0


@dataclass(frozen=True, slots=True)
class Planned:
    channel_id: int
    due_at: datetime
    # An escalation: send only if the incident is still open and unacknowledged by then.
    escalation: bool


def plan_deliveries(
    event_type: str, *, decided_at: datetime, links: Iterable[Link], escalated: Collection[int]
) -> list[Planned]:
    """The channels that get an event and when each is due.

    `escalated` holds the channels whose down message for this incident was sent; it
    only matters for delayed links.
    """
    planned: list[Planned] = []
    for link in links:
        if event_type not in link.events:
            continue
        if link.delay_minutes and event_type == "down":
            due = decided_at + timedelta(minutes=link.delay_minutes)
            planned.append(Planned(link.channel_id, due, escalation=True))
        elif link.delay_minutes and link.channel_id not in escalated:
            continue
        else:
            planned.append(Planned(link.channel_id, decided_at, escalation=False))
    return planned
