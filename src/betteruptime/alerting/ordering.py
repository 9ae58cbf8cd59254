"""The order of a channel's messages about one monitor: the last word is never stale.

A receiver reads a monitor's messages as a story: DOWN, ACKNOWLEDGED, RECOVERED. If a down
waits for a retry while the monitor recovers, sending the recovery at once and the down
after it leaves the receiver believing the monitor is down. So, per (monitor, channel):

- a message goes out only once every earlier one of that monitor and channel has finished
  (sent, failed for good, cancelled): one at a time, in the order of their events (an
  event's id grows with the order they were decided in);
- a reminder whose incident resolved before it could be sent ("still down") is dropped
  with that reason and holds nothing up; a down or an acknowledgement is history the
  receiver should still hear, so it goes out, ahead of the recovery;
- an escalation or reminder is dropped once its incident is acknowledged (nobody needs
  paging any more) or gone;
- a message held up waits for the one ahead of it: until that one's next attempt if it
  waits for a retry, or a short poll if it is being sent, and it is released as soon as
  that one finishes. One that fails for good finishes too, so nothing waits for ever.

An escalation whose delay has not passed is not in line yet (it was planned for later on
purpose), so the caller leaves it out of `ahead`. Digests speak of many monitors and are
not ordered themselves; the messages folded into one hold their line through it.

The order covers the messages planned so far. A notifier that plans an event plans the
monitor's earlier events still unplanned first (notifier/planning.py), so an outage whose
stream entry was lost (Redis restarted) is planned, and told, before its recovery.

Pure: no I/O. `notifier/lineup.py` reads the line from the database and applies this.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

RESOLVED = "resolved before it could be sent"
ACKNOWLEDGED = "acknowledged before it was due"
GONE = "its incident is gone"
# What a recovery makes stale: "it is still down". A down or an acknowledgement is part of
# the story and goes out in its place, before the recovery (the outage must not be lost).
STALE_ONCE_RESOLVED = frozenset({"reminder"})
# How soon a message held up by one being sent looks again, should the release be missed.
POLL = timedelta(seconds=5)

# open | acknowledged (open, someone is on it) | resolved | gone (deleted)
IncidentState = Literal["open", "acknowledged", "resolved", "gone"]


@dataclass(frozen=True, slots=True)
class Queued:
    """One unfinished message as the ordering sees it."""

    id: int
    monitor_id: int | None
    channel_id: int
    kind: str  # down | up | reminder | acknowledged | … | digest
    escalation: bool = False
    incident: IncidentState | None = None  # None: not about an incident
    in_flight: bool = False  # being sent (or held by another notifier)
    due_at: datetime | None = None  # when it is next tried, if waiting
    # What finishing releases the messages behind it: itself, or the digest it is in.
    carrier_id: int | None = None
    # Its place in line: its event's id (None: its own id, for a row planned without one).
    seq: int | None = None

    @property
    def place(self) -> int:
        return self.id if self.seq is None else self.seq

    @property
    def carrier(self) -> int:
        return self.id if self.carrier_id is None else self.carrier_id


@dataclass(frozen=True, slots=True)
class Send:
    pass


@dataclass(frozen=True, slots=True)
class Drop:
    reason: str


@dataclass(frozen=True, slots=True)
class Wait:
    behind: int  # the id whose finishing releases it (a message's or a digest's)
    until: datetime  # when to look again if nothing released it before


Decision = Send | Drop | Wait


def stale_reason(message: Queued) -> str | None:
    """Why sending `message` now would be wrong, or None if it is still worth sending."""
    if message.incident == "resolved" and message.kind in STALE_ONCE_RESOLVED:
        return RESOLVED
    if message.escalation or message.kind == "reminder":
        if message.incident == "acknowledged":
            return ACKNOWLEDGED
        if message.incident == "gone":
            return GONE
    return None


def holds_the_line(message: Queued) -> bool:
    """Whether an unfinished message keeps later ones of its monitor and channel waiting:
    yes, unless it is stale and not being sent (it will be dropped, not sent)."""
    return message.in_flight or stale_reason(message) is None


def _look_again(ahead: Queued, now: datetime, poll: timedelta) -> datetime:
    if ahead.in_flight or ahead.due_at is None or ahead.due_at <= now:
        return now + poll
    return ahead.due_at


def decide(
    claimed: Iterable[Queued],
    ahead: Iterable[Queued],
    *,
    now: datetime,
    poll: timedelta = POLL,
) -> dict[int, Decision]:
    """What to do with each claimed message (due now, held by this notifier), given the
    unfinished messages of the same monitors and channels it does not hold (`ahead`)."""
    lines: dict[tuple[int, int], list[Queued]] = defaultdict(list)
    for message in ahead:
        if message.monitor_id is not None and holds_the_line(message):
            lines[(message.monitor_id, message.channel_id)].append(message)
    decisions: dict[int, Decision] = {}
    for message in sorted(claimed, key=lambda queued: queued.place):
        reason = stale_reason(message)
        if reason is not None:
            decisions[message.id] = Drop(reason)
            continue
        if message.monitor_id is None:
            decisions[message.id] = Send()
            continue
        line = lines[(message.monitor_id, message.channel_id)]
        earlier = [other for other in line if other.place < message.place]
        if not earlier:
            decisions[message.id] = Send()
            line.append(replace(message, in_flight=True))
            continue
        nearest = max(earlier, key=lambda other: other.place)
        until = _look_again(nearest, now, poll)
        decisions[message.id] = Wait(behind=nearest.carrier, until=until)
        line.append(replace(message, due_at=until, in_flight=False))
    return decisions
