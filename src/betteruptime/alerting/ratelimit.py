"""Per-channel rate limiting: at most `limit` messages in any `window`, the rest folded.

When a shared upstream fails, dozens of monitors go down within seconds. A channel then
gets what its budget allows: everything that is due, one message each, if it fits;
otherwise one digest listing all of them. Nothing is dropped: when the budget is spent,
due messages wait for the window to free up and then go out (as a digest if several).

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class SendPlan:
    singles: list[int] = field(default_factory=list)
    digest: list[int] = field(default_factory=list)
    # Budget spent: try again at this time.
    wait_until: datetime | None = None


def plan_channel(
    due: Sequence[int],
    *,
    recent_sends: Sequence[datetime],
    limit: int,
    now: datetime,
    window: timedelta = WINDOW,
) -> SendPlan:
    """What to send now on one channel, given the ids of its due messages (oldest first)
    and when it last sent messages."""
    if not due:
        return SendPlan()
    in_window = sorted(sent for sent in recent_sends if sent > now - window)
    budget = limit - len(in_window)
    if budget <= 0:
        # The oldest send in the window leaves it first; one slot frees up then.
        return SendPlan(wait_until=in_window[len(in_window) - limit] + window)
    if len(due) <= budget:
        return SendPlan(singles=list(due))
    return SendPlan(digest=list(due))  # two or more: the budget is at least one
