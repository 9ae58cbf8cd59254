"""Whether a failed delivery is worth trying again, judged on what the receiver answered.

Like healthchecks' `TransportError(permanent=…)`: an answer that says the address or the
credentials are wrong says the same a minute later, so such a message fails at once, with
its reason, instead of six times over 15 minutes.

- HTTP: 4xx is permanent, except 408 (Request Timeout) and 429 (Too Many Requests).
  5xx, and every 429 or 503, may pass. `Retry-After` on a 429 or 503 (seconds, or an
  HTTP date) is when the receiver will take the next attempt.
- SMTP: a 5xx reply (unknown mailbox, relay refused, login refused: 535) is permanent; a
  4xx reply (greylisting, mailbox busy, a temporary login failure: 454) is not.
- Connecting: a name that does not exist (DNS NXDOMAIN, or no address for it) is
  permanent; a failed lookup (the resolver is away), a refused connection and a timeout
  are not: the receiver may be restarting.
- A failure with none of these (the service answered 200 with an error in its body, the
  plugin gave up) may pass, and is retried.

A send may make several requests (redirects, several targets): it is permanent only if
every failing answer is. Pure: no I/O; the observations come from `alerting/wire.py`.
"""

from __future__ import annotations

import email.utils
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus

# 4xx answers that say "not now" rather than "never".
TRANSIENT_4XX = frozenset({408, 429})
# Answers whose Retry-After says when to come back.
RETRY_AFTER_STATUSES = frozenset({429, 503})
MAX_TEXT_CHARS = 200


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    retry_after: str | None = None  # the header as sent


@dataclass(frozen=True, slots=True)
class SmtpRefusal:
    code: int
    text: str
    stage: str  # what the server refused: "login", "sender", "recipient", "message", …


@dataclass(frozen=True, slots=True)
class ConnectFailure:
    host: str
    # The name does not exist (a typo, a deleted record): trying again cannot help.
    no_such_name: bool
    text: str  # what happened, naming the host (never the channel URL)


Observation = HttpAnswer | SmtpRefusal | ConnectFailure


@dataclass(frozen=True, slots=True)
class Verdict:
    permanent: bool = False
    # What the receiver said, in a few words (None: nothing seen worth saying).
    reason: str | None = None
    # The receiver asked for the next attempt no sooner than this many seconds from now.
    retry_after_seconds: float | None = None


def permanent_status(status: int) -> bool:
    """An HTTP status that will not change by trying again."""
    return 400 <= status < 500 and status not in TRANSIENT_4XX


def retry_after_seconds(value: str, *, now: datetime) -> float | None:
    """A Retry-After header (delay-seconds or HTTP-date) as seconds from `now`; None if
    it is neither."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # HTTP dates are GMT; an obsolete form may lack the zone
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


def _failed(observation: Observation) -> bool:
    return not isinstance(observation, HttpAnswer) or observation.status >= 400


def _permanent(observation: Observation) -> bool:
    if isinstance(observation, HttpAnswer):
        return permanent_status(observation.status)
    if isinstance(observation, SmtpRefusal):
        return observation.code >= 500
    return observation.no_such_name


def _wait(observation: Observation, now: datetime) -> float | None:
    if not isinstance(observation, HttpAnswer) or observation.retry_after is None:
        return None
    if observation.status not in RETRY_AFTER_STATUSES:
        return None
    return retry_after_seconds(observation.retry_after, now=now)


def describe(observation: Observation) -> str:
    """A short account of one failing answer, for the delivery record."""
    if isinstance(observation, HttpAnswer):
        try:
            phrase = HTTPStatus(observation.status).phrase
        except ValueError:
            phrase = ""
        return f"HTTP {observation.status} {phrase}".rstrip()
    if isinstance(observation, SmtpRefusal):
        text = " ".join(observation.text.split())[:MAX_TEXT_CHARS]
        return (
            f"the SMTP server refused the {observation.stage}: {observation.code} {text}".rstrip()
        )
    return observation.text[:MAX_TEXT_CHARS]


def classify(observations: Sequence[Observation], *, now: datetime) -> Verdict:
    """What the answers seen during one failed send say about trying again."""
    failures = [observation for observation in observations if _failed(observation)]
    if not failures:
        return Verdict()
    permanent = all(_permanent(failure) for failure in failures)
    waits = [wait for failure in failures if (wait := _wait(failure, now)) is not None]
    # The answer that decided: the last failure, or the last one worth a retry.
    deciding = [failure for failure in failures if permanent or not _permanent(failure)]
    reason = describe(deciding[-1])
    wait = max(waits) if waits else None
    if wait is not None:
        reason += f", asked to retry after {wait:.0f} s"
    return Verdict(permanent=permanent, reason=reason, retry_after_seconds=wait)
