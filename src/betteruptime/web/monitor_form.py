"""The monitor form's text, to and from the API's monitor body.

A form sends text; the API's models are strict (a string is never read as a number),
so each field is converted here first, and a value that cannot be converted gets its
own message. Everything else (ranges, URL schemes, what a kind needs, the minimum
interval) is left to MonitorCreate/MonitorUpdate and `services.monitors`, exactly as
for the API. Lists are typed one entry per line or comma-separated; headers as
`Name: value` lines.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from betteruptime.db.models import Monitor
from betteruptime.schemas.links import ChannelRule
from betteruptime.schemas.monitors import MonitorCreate, MonitorUpdate
from betteruptime.web.forms import Errors, text, texts

Values = dict[str, Any]  # what the form shows: text per field, ticked channel ids as text

INT_FIELDS = (
    "interval_seconds",
    "failure_threshold",
    "recovery_threshold",
    "max_response_time_ms",
    "min_failed_regions",
    "ping_count",
    "tls_expiry_days",
    "degraded_after_ms",
    "period_seconds",
    "grace_seconds",
    "remind_every_minutes",
)
FLOAT_FIELDS = ("timeout_seconds", "max_packet_loss_percent")
LIST_FIELDS = ("regions", "expected_status", "expected_values")
CHECKBOXES = ("follow_redirects", "verify_tls")
PLAIN_FIELDS = (
    "name",
    "kind",
    "url",
    "method",
    "body",
    "keyword",
    "keyword_mode",
    "json_path",
    "tcp_send",
    "tcp_expect",
    "dns_record_type",
    "dns_resolver",
    "cron",
    "timezone",
)
FIELDS = (
    *PLAIN_FIELDS,
    *INT_FIELDS,
    *FLOAT_FIELDS,
    *LIST_FIELDS,
    *CHECKBOXES,
    "headers",
    "json_expected",
    "channel_ids",
)
# An empty box is read as the field's text when empty text means something ("" is an
# empty list of expected codes: any status), else as no value (see parse_form).
EMPTY_IS_TEXT = ("name", "expected_status", "expected_values", "headers")


def _refuses_null(name: str) -> bool:
    try:
        MonitorUpdate.model_validate({name: None})
    except ValidationError:
        return True
    return False


# Fields whose default is null: an empty box means null (on a change: clear it)...
NULLABLE = frozenset(
    name
    for name, info in MonitorCreate.model_fields.items()
    if info.default is None and info.default_factory is None
)
# ...unless a monitor cannot be without it (a change may not set it to null).
REQUIRED_ON_UPDATE = frozenset(name for name in FIELDS if _refuses_null(name))
_SPLIT = re.compile(r"[,\n]")


def _nothing_selected() -> list[str]:
    return []


@dataclass(slots=True)
class Parsed:
    """The API body the form asks for, and the fields that could not be read."""

    body: dict[str, Any] = field(default_factory=dict)
    errors: Errors = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)


def blank_values(*, interval_seconds: int) -> Values:
    """A new monitor's form: the API's defaults where they do not depend on the kind;
    empty boxes say in their placeholder what an empty value means."""
    values: Values = {name: "" for name in FIELDS}
    values.update(
        kind="http",
        method="GET",
        keyword_mode="present",
        timezone="UTC",
        interval_seconds=str(interval_seconds),
        expected_status="200-299",
        follow_redirects=True,
        verify_tls=True,
        channel_ids=_nothing_selected(),
    )
    return values


def _number_text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def monitor_values(monitor: Monitor, rules: list[ChannelRule]) -> Values:
    """An existing monitor as its edit form shows it."""
    values: Values = {name: getattr(monitor, name) or "" for name in PLAIN_FIELDS}
    values.update({name: _number_text(getattr(monitor, name)) for name in INT_FIELDS})
    values.update({name: _number_text(getattr(monitor, name)) for name in FLOAT_FIELDS})
    values.update({name: ", ".join(getattr(monitor, name)) for name in LIST_FIELDS})
    values.update({name: bool(getattr(monitor, name)) for name in CHECKBOXES})
    values["headers"] = "\n".join(f"{key}: {value}" for key, value in monitor.headers.items())
    values["json_expected"] = (
        "" if monitor.json_expected is None else json.dumps(monitor.json_expected)
    )
    values["channel_ids"] = [str(rule.channel_id) for rule in rules]
    return values


def _headers(raw: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in raw.splitlines():
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise ValueError("write one header per line as Name: value")
        headers[name.strip()] = value.strip()
    return headers


def _json_expected(raw: str) -> Any:
    """JSON when it parses (42, true, "ok", {"a": 1}); otherwise the text itself, so a
    plain word need not be quoted."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _convert(name: str, raw: str) -> Any:
    """One field's text as the API's value; ValueError with the message to show."""
    if name in INT_FIELDS:
        if not re.fullmatch(r"[+-]?\d{1,12}", raw):
            raise ValueError("enter a whole number")
        return int(raw)
    if name in FLOAT_FIELDS:
        try:
            number = float(raw)
        except ValueError:
            raise ValueError("enter a number, such as 10 or 2.5") from None
        if not math.isfinite(number):
            raise ValueError("enter a number, such as 10 or 2.5")
        return number
    if name in LIST_FIELDS:
        return [entry.strip() for entry in _SPLIT.split(raw) if entry.strip()]
    if name == "headers":
        return _headers(raw)
    if name == "json_expected":
        return _json_expected(raw)
    return raw


def parse_form(form: FormData, *, editing: bool) -> tuple[Parsed, Values]:
    """The API body for the submitted form, and the values to show it again with.

    An empty box means the API's default on a new monitor, null for a field that may be
    null, and "this field is required" when a monitor cannot be without it.
    """
    values: Values = {name: text(form, name) for name in FIELDS if name not in CHECKBOXES}
    values.update({name: bool(text(form, name)) for name in CHECKBOXES})
    values["channel_ids"] = texts(form, "channel_ids")
    parsed = Parsed()
    for name in FIELDS:
        if name in CHECKBOXES:
            parsed.body[name] = values[name]
        elif name == "channel_ids":
            continue
        elif values[name].strip() == "" and name not in EMPTY_IS_TEXT:
            if editing and name in REQUIRED_ON_UPDATE:
                parsed.errors[name] = "this field is required"
            elif name in NULLABLE:
                parsed.body[name] = None
            # else: left out, so a new monitor gets the API's default
        else:
            try:
                parsed.body[name] = _convert(name, values[name].strip())
            except ValueError as error:
                parsed.errors[name] = str(error)
    chosen = values["channel_ids"]
    parsed.channel_ids = [int(value) for value in chosen if value.isdigit() and len(value) < 11]
    if len(parsed.channel_ids) != len(chosen):
        parsed.errors["channel_ids"] = "choose channels from the list"
    return parsed, values


def channel_links(
    chosen: list[int], current: list[ChannelRule] | None
) -> dict[str, list[int] | list[ChannelRule]]:
    """How the body links the ticked channels. A new monitor: `channel_ids`. A change:
    nothing when the same channels are ticked, else `channel_rules` keeping the rules
    (events, delays) of channels that stay, so the form never undoes what the API set."""
    if current is None:
        return {"channel_ids": chosen}
    kept = {rule.channel_id: rule for rule in current}
    if set(chosen) == set(kept):
        return {}
    ordered = list(dict.fromkeys(chosen))
    return {"channel_rules": [kept.get(cid) or ChannelRule(channel_id=cid) for cid in ordered]}
