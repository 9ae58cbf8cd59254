"""Clock honesty: a check result carries the worker's clock, which may be wrong.

The state machine orders results by due time (the scheduler's clock), never by arrival
or by the worker's `checked_at`; but `checked_at` is shown to users and feeds "last
checked". A worker whose clock is far off would show checks from the future or from
long ago, so the ingester corrects absurd values to its own clock and says so.

Pure: the ingester passes its own `now`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# A check cannot start before it was due (beyond ordinary clock skew)...
MAX_EARLY = timedelta(seconds=30)
# ...nor end after it was received (same).
MAX_AHEAD = timedelta(seconds=30)


def honest_checked_at(checked_at: datetime, *, due_at: datetime, now: datetime) -> datetime | None:
    """The corrected time of a check, or None when the worker's time is plausible.

    Plausible: no earlier than its due time and no later than now, each with
    a margin for skew. Otherwise the ingester's own receipt time stands in.
    """
    if checked_at < due_at - MAX_EARLY or checked_at > now + MAX_AHEAD:
        return now
    return None
