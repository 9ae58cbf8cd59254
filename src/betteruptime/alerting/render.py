"""Our fixed message templates: every message in plain text and in HTML.

E-mail carries both (multipart/alternative); chat apps, SMS and webhooks get the text.
There is no user template language on purpose: a template is code that runs on every
alert, and a broken one would silence the alerts it was meant to shape.

A message is built once as a title, a lead sentence and labelled facts, then written out
in both forms, so the two never say different things. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from betteruptime.alerting.context import AlertContext
from betteruptime.domain.heartbeats import FAILURE

HEADLINES = {
    "down": "DOWN",
    "up": "RECOVERED",
    "reminder": "STILL DOWN",
    "acknowledged": "ACKNOWLEDGED",
    "degraded": "DEGRADED",
    "maintenance_started": "MAINTENANCE STARTED",
    "maintenance_ended": "MAINTENANCE ENDED",
}
MAINTENANCE = ("maintenance_started", "maintenance_ended")
MAX_CAUSE_CHARS = 500
HEARTBEAT_TARGET = "heartbeat (pinged)"


@dataclass(frozen=True, slots=True)
class Rendered:
    title: str
    text: str
    html: str


def format_duration(seconds: float) -> str:
    """`3h 2m`, `5m 12s`, `40s`: the two largest units."""
    total = max(0, round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")]
    shown = [f"{value}{unit}" for value, unit in parts if value][:2]
    return " ".join(shown) or "0s"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "unknown"


def _cause(context: AlertContext) -> str:
    cause = context.cause or "no error text"
    return cause if len(cause) <= MAX_CAUSE_CHARS else cause[:MAX_CAUSE_CHARS] + "…"


def _target(context: AlertContext) -> str:
    """What the monitor watches, in short: its URL, or its kind when it has none (a
    heartbeat's ping URL is a secret and never goes into a message)."""
    return context.monitor_url or context.monitor_kind


# What a monitor without a URL checks, in a message.
_URLLESS_TARGETS = {"heartbeat": HEARTBEAT_TARGET, "multistep": "multi-step API check"}


def _target_fact(context: AlertContext) -> tuple[str, str]:
    if context.monitor_url:
        return ("URL", context.monitor_url)
    kind = context.monitor_kind
    return ("Check", _URLLESS_TARGETS.get(kind, kind))


def _facts(context: AlertContext) -> list[tuple[str, str]]:
    facts = [("Monitor", context.monitor_name), _target_fact(context)]
    if context.type != "acknowledged":
        facts.append(("What failed", _cause(context)))
    if context.status_code is not None:
        facts.append(("HTTP status", str(context.status_code)))
    if context.failing_regions:
        failing = ", ".join(context.failing_regions)
        facts.append(("Failing regions", f"{failing} (of {', '.join(context.regions)})"))
    facts.append(("Down since", _when(context.started_at)))
    if context.type == "up":
        facts.append(("Recovered at", _when(context.resolved_at)))
    duration = context.down_seconds()
    if context.type in ("up", "reminder") and duration is not None:
        facts.append(("Down for", format_duration(duration)))
    if context.type == "acknowledged":
        facts.append(("Acknowledged at", _when(context.acknowledged_at)))
    if context.incident_id is not None:
        facts.append(("Incident", f"#{context.incident_id}"))
    if context.screenshot_url and context.type in ("down", "reminder"):
        facts.append(("Screenshot", context.screenshot_url))
    return facts


def _lead(context: AlertContext) -> str:
    name = context.monitor_name
    if context.type == "down" and context.monitor_kind == "heartbeat":
        # The job said it failed (/fail, a non-zero exit status), or it never pinged.
        if FAILURE.error and (context.cause or "").startswith(FAILURE.error):
            return f"{name} reported a failure."
        return f"{name} missed its expected ping."
    if context.type == "down":
        return f"{name} is down."
    if context.type == "up":
        duration = context.down_seconds()
        after = f" after {format_duration(duration)}" if duration is not None else ""
        return f"{name} is up again{after}."
    if context.type == "reminder":
        number = f" (reminder {context.reminder_number})" if context.reminder_number else ""
        return f"{name} is still down and nobody has acknowledged it{number}."
    return f"Someone is on it: the incident of {name} was acknowledged; reminders stop."


def _compose(title: str, lead: str, facts: Sequence[tuple[str, str]]) -> Rendered:
    text = "\n".join([lead, "", *(f"{label}: {value}" for label, value in facts)])
    # One fact per line, not a table: Apprise derives the e-mail's text part from this
    # HTML, and lines turn into the same "Label: value" lines as `text`.
    rows = "<br>".join(f"<b>{escape(label)}:</b> {escape(value)}" for label, value in facts)
    html = f"<p>{escape(lead)}</p><p>{rows}</p>"
    return Rendered(title=title, text=text, html=html)


def _ms(value: float) -> str:
    return f"{round(value):,} ms"


def _render_degraded(context: AlertContext) -> Rendered:
    threshold, measured = context.degraded_after_ms, context.response_time_ms
    slower = f"slower than {_ms(threshold)}" if threshold is not None else "slow"
    lead = f"{context.monitor_name} — responses {slower}"
    lead += f": {_ms(measured)}." if measured is not None else "."
    facts = [("Monitor", context.monitor_name), _target_fact(context)]
    if measured is not None:
        facts.append(("Response time", _ms(measured)))
    if threshold is not None:
        facts.append(("Degraded above", _ms(threshold)))
    facts.append(("Slow since", _when(context.started_at)))
    return _compose(f"[DEGRADED] {context.monitor_name}", lead, facts)


def _render_maintenance(context: AlertContext) -> Rendered:
    name = context.window_name or "maintenance"
    covered = ", ".join(context.window_monitors or [context.monitor_name])
    facts = [("Window", name), ("Monitors", covered)]
    if context.type == "maintenance_started":
        until = f" until {_when(context.window_ends_at)}" if context.window_ends_at else ""
        lead = f'Maintenance "{name}" started: alerts for {covered} are paused{until}.'
        facts.append(("Started at", _when(context.started_at)))
        if context.window_ends_at:
            facts.append(("Ends at", _when(context.window_ends_at)))
    else:
        lead = f'Maintenance "{name}" is over: alerts for {covered} are on again.'
        facts.append(("Ended at", _when(context.started_at)))
    return _compose(f"[{HEADLINES[context.type]}] {name}", lead, facts)


def render(context: AlertContext) -> Rendered:
    """One event's message."""
    if context.type in MAINTENANCE:
        return _render_maintenance(context)
    if context.type == "degraded":
        return _render_degraded(context)
    title = f"[{HEADLINES.get(context.type, context.type.upper())}] {context.monitor_name}"
    return _compose(title, _lead(context), _facts(context))


def render_digest(contexts: Sequence[AlertContext]) -> Rendered:
    """Many events folded into one message, one line each, oldest first."""
    count = len(contexts)
    title = f"[DIGEST] {count} monitor events"
    lead = f"{count} monitor events came at once; this channel's rate limit folded them here."
    facts = [
        (
            HEADLINES.get(context.type, context.type.upper()),
            f"{context.monitor_name} ({_target(context)})"
            + (f": {_cause(context)}" if context.type in ("down", "reminder") else ""),
        )
        for context in contexts
    ]
    return _compose(title, lead, facts)


def render_test(channel_name: str) -> Rendered:
    """What `POST /channels/{id}/test` sends."""
    lead = f'This is a test message from BetterUptime to the channel "{channel_name}".'
    return _compose("[TEST] BetterUptime", lead, [("Channel", channel_name)])
