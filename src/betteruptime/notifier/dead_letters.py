"""Dead letters: what the notifier sets aside so that one bad event never blocks the
events behind it.

An entry whose body does not decode as an event, or an event whose planning fails for
a reason other than the database being away, becomes a row of `dead_letters` with the
entry as received (cut to MAX_BODY_CHARS) and the reason, and its entry is acked. The
reason names what was wrong, never the values (they may hold a monitor's URL): it is
shown on the dashboard of the monitor's owner, and the log gets its type only. An event
set aside counts as planned: the relay does not publish it again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import DeadLetter
from betteruptime.domain.messages import Event
from betteruptime.logs import get_logger, kv
from betteruptime.notifier.planning import mark_planned

log = get_logger("notifier")

MAX_BODY_CHARS = 4000
MAX_REASON_CHARS = 1000
# Problems listed in a validation error's reason; the rest are counted.
MAX_PROBLEMS = 5


@dataclass(frozen=True, slots=True)
class DeadLetterNote:
    """One entry or event to set aside, and why."""

    entry_id: str
    body: bytes
    reason: str
    error: str  # the exception's type, for the log
    event: Event | None = None


def undecodable(entry_id: str, body: bytes, error: ValidationError) -> DeadLetterNote:
    reason = f"cannot decode the event: {describe(error)}"
    return DeadLetterNote(entry_id, body, reason, type(error).__name__)


def unplannable(entry_id: str, body: bytes, event: Event, error: BaseException) -> DeadLetterNote:
    reason = f"cannot plan the event: {describe(error)}"
    return DeadLetterNote(entry_id, body, reason, type(error).__name__, event)


def describe(error: BaseException) -> str:
    """What went wrong, without the values involved."""
    if isinstance(error, ValidationError):
        problems = error.errors(include_url=False, include_input=False, include_context=False)
        shown = [
            f"{'.'.join(str(part) for part in problem['loc']) or 'body'}: {problem['msg']}"
            for problem in problems[:MAX_PROBLEMS]
        ]
        if len(problems) > MAX_PROBLEMS:
            shown.append(f"{len(problems) - MAX_PROBLEMS} more")
        return f"{error.title}: {'; '.join(shown)}"
    if isinstance(error, StatementError) and error.orig is not None:
        # Its own text carries the statement and its parameters: the driver's first line.
        return f"{type(error.orig).__name__}: {_first_line(error.orig)}"
    return f"{type(error).__name__}: {_first_line(error)}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else "(no message)"


def _claimed(body: bytes) -> dict[str, Any]:
    """What an undecodable body says of itself, if it is a JSON object at all."""
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def dead_letter_values(note: DeadLetterNote, *, now: datetime) -> dict[str, Any]:
    claimed = _claimed(note.body) if note.event is None else {}
    event_type = note.event.type if note.event else claimed.get("type")
    return {
        "entry_id": note.entry_id[:64],
        "event_id": note.event.id if note.event else _integer(claimed.get("id")),
        "event_type": event_type[:32] if isinstance(event_type, str) else None,
        "monitor_id": note.event.monitor_id if note.event else _integer(claimed.get("monitor_id")),
        "body": note.body.decode("utf-8", errors="replace")[:MAX_BODY_CHARS],
        "reason": note.reason[:MAX_REASON_CHARS],
        "created_at": now,
    }


async def set_aside(
    session: AsyncSession, notes: Sequence[DeadLetterNote], *, now: datetime
) -> None:
    """Record the notes as dead letters (uncommitted)."""
    if not notes:
        return
    await session.execute(insert(DeadLetter), [dead_letter_values(note, now=now) for note in notes])
    # Settled: the relay must not publish them again, to be set aside again.
    await mark_planned(session, [note.event.id for note in notes if note.event], now=now)
    for note in notes:
        log.error(
            kv(
                event="dead_lettered",
                entry=note.entry_id,
                event_id=note.event.id if note.event else "",
                monitor_id=note.event.monitor_id if note.event else "",
                error=note.error,
            )
        )
