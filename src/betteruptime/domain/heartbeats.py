"""Heartbeat (push) monitors: when a ping is expected, when one is late, what a ping says.

Pure: no I/O, the caller passes `now`. Used by the scheduler (lateness), the api (what a
ping URL reports) and the monitor schema (cron validation).

A heartbeat's clock starts at its *baseline*: the latest of its last ping, its last
decided result and its last change (creation, an edit, a resume). Expected times follow
the baseline: `baseline + k * period`, or the cron schedule's fire times after it in the
monitor's time zone. An expected time is *missed* once `grace` has passed after it with
no ping since; each missed expected time is reported once, so a job that stays silent
fails once per period, and `failure_threshold` counts missed runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cronsim import CronSim, CronSimError

# The region of every heartbeat result, a ping received or a ping missed: a heartbeat is
# judged from what reaches the server, not from probing regions, so it has exactly one
# "region" whatever regions the monitor lists (see ingester/decisions.py).
PING_REGION = "ping"
MAX_PING_BODY_BYTES = 10_000
MAX_EXIT_STATUS = 255
CRON_FIELDS = 5


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a heartbeat expects its pings: every `period_seconds`, or on `cron`."""

    period_seconds: int | None
    cron: str | None
    timezone: str = "UTC"
    grace_seconds: int = 60

    @property
    def grace(self) -> timedelta:
        return timedelta(seconds=self.grace_seconds)


def cron_problem(expression: str) -> str | None:
    """Why `expression` is not a usable 5-field cron schedule, or None when it is."""
    if len(expression.split()) != CRON_FIELDS:
        return "must have 5 fields: minute hour day-of-month month day-of-week (as in 0 3 * * *)"
    try:
        next(CronSim(expression, datetime(2000, 1, 1, tzinfo=UTC)))
    except (CronSimError, StopIteration) as error:
        reason = str(error) or "it never fires"
        return f"is not a valid cron expression: {reason}"
    return None


def _zone(schedule: Schedule) -> ZoneInfo:
    return ZoneInfo(schedule.timezone)


def next_expected(schedule: Schedule, after: datetime) -> datetime:
    """The first time a ping is expected strictly after `after` (UTC)."""
    if schedule.cron is None:
        assert schedule.period_seconds is not None, "a heartbeat has a period or a cron"
        return after + timedelta(seconds=schedule.period_seconds)
    # Cron fields are wall-clock times in the monitor's zone: "0 3 * * *" in Europe/Paris
    # is 02:00 UTC in winter and 01:00 UTC in summer.
    fire: datetime = next(CronSim(schedule.cron, after.astimezone(_zone(schedule))))
    return fire.astimezone(UTC)


def _latest_fire_at_or_before(schedule: Schedule, moment: datetime) -> datetime:
    assert schedule.cron is not None
    local = moment.astimezone(_zone(schedule))
    # Reverse iteration from a time with microseconds may return that very second;
    # from a whole second it starts one second earlier. Nudge so both include `moment`.
    start = local if local.microsecond else local + timedelta(microseconds=1)
    fire: datetime = next(CronSim(schedule.cron, start, reverse=True))
    return fire.astimezone(UTC)


def deadline(schedule: Schedule, baseline: datetime) -> datetime:
    """Until when the first expected ping after `baseline` may arrive (grace included)."""
    return next_expected(schedule, baseline) + schedule.grace


def latest_missed(schedule: Schedule, *, baseline: datetime, now: datetime) -> datetime | None:
    """The latest expected time after `baseline` whose grace ended before `now`, or None
    when no ping is overdue.

    Only the latest: after a long silence (or a scheduler outage) one failure stands for
    the whole gap, instead of a burst of one per missed period.
    """
    first = next_expected(schedule, baseline)
    if now <= first + schedule.grace:
        return None
    if schedule.cron is None:
        assert schedule.period_seconds is not None
        elapsed = (now - schedule.grace - baseline).total_seconds()
        k = max(1, math.ceil(elapsed / schedule.period_seconds) - 1)
        return baseline + timedelta(seconds=k * schedule.period_seconds)
    return max(first, _latest_fire_at_or_before(schedule, now - schedule.grace))


def duration_text(seconds: int) -> str:
    """3600 -> "1h", 5400 -> "90m", 86400 -> "1d", 45 -> "45 s"."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds} s"


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def lateness_error(schedule: Schedule, *, expected: datetime, last_ping: datetime | None) -> str:
    """The error of a missed ping, as people read it in the incident and the alert."""
    grace = f"{schedule.grace_seconds} s grace"
    if schedule.cron is None:
        assert schedule.period_seconds is not None
        missed = f"no ping within {duration_text(schedule.period_seconds)} + {grace}"
    else:
        local = expected.astimezone(_zone(schedule)).strftime("%Y-%m-%d %H:%M %Z")
        missed = f'no ping for the {local} run of "{schedule.cron}" + {grace}'
    last = _utc_text(last_ping) if last_ping is not None else "never"
    return f"{missed}; last ping {last}"


@dataclass(frozen=True, slots=True)
class PingReport:
    """What one ping URL says about the job: up or not, and why not."""

    up: bool
    error: str | None = None
    # /start: a run began; recorded on the monitor, not a check of its own.
    start: bool = False


SUCCESS = PingReport(up=True)
START = PingReport(up=True, start=True)
FAILURE = PingReport(up=False, error="reported failure")


def ping_report(action: str | None) -> PingReport | None:
    """The report of /ping/<token>[/<action>]; None for an action we do not know.

    `action` is None (success), "start", "fail", or an exit status 0-255 (0 success).
    """
    if action is None:
        return SUCCESS
    if action == "start":
        return START
    if action == "fail":
        return FAILURE
    # Only plain decimal digits: "+3", " 3" or "³" are not exit statuses.
    if not action.isascii() or not action.isdigit() or len(action) > 3:
        return None
    status = int(action)
    if status > MAX_EXIT_STATUS:
        return None
    if status == 0:
        return SUCCESS
    return PingReport(up=False, error=f"reported failure (exit status {status})")
