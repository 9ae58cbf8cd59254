"""The monitor form's text, to and from the API's monitor body.

A form sends text; the API's models are strict (a string is never read as a number),
so each field is converted here first, and a value that cannot be converted gets its
own message. Everything else (ranges, URL schemes, what a kind needs, the minimum
interval) is left to MonitorCreate/MonitorUpdate and `services.monitors`, exactly as
for the API.

Showing a monitor and reading the form back is the identity for every field: text
keeps its blanks, control characters are shown as escapes (web/form_text.py), numbers
are written in full, expected DNS values are one per line (they may hold commas);
regions, status codes and tags, which cannot hold a comma, are comma-separated;
headers are `Name: value` lines.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from betteruptime.domain.monitor_kinds import DEFAULT_KIND, fields_of, same_value
from betteruptime.schemas.links import ChannelRule
from betteruptime.schemas.monitors import MonitorCreate, MonitorUpdate
from betteruptime.web import assertion_rows
from betteruptime.web.form_text import lines_sent, needs_escapes, read, show
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
    "domain_expiry_days",
    "degraded_after_ms",
    "period_seconds",
    "grace_seconds",
    "remind_every_minutes",
)
FLOAT_FIELDS = ("timeout_seconds", "max_packet_loss_percent")
# Comma-separated: their entries can hold no comma, nor a blank at either end (a tag
# may have one inside).
CODE_LISTS = ("regions", "expected_status", "tags")
CHECKBOXES = ("follow_redirects", "verify_tls")
CHOICES = ("kind", "method", "keyword_mode", "dns_record_type")
# One-line boxes of free text, control characters shown as escapes.
TEXT_FIELDS = (
    "name",
    "url",
    "keyword",
    "json_path",
    "tcp_send",
    "tcp_expect",
    "dns_resolver",
    "cron",
    "timezone",
    "group",
)
FIELDS = (
    *TEXT_FIELDS,
    *CHOICES,
    *INT_FIELDS,
    *FLOAT_FIELDS,
    *CODE_LISTS,
    *CHECKBOXES,
    "expected_values",
    "headers",
    "body",
    "json_expected",
    "steps",
    "channel_ids",
)
# The box that says the body is written with escapes (a form field, not the API's).
BODY_ESCAPES = "body_escapes"
# A request body keeps its line breaks and tabs as they are, so a JSON or form body
# reads as itself; anything else in it (CR LF line ends too) needs its escapes.
_BODY_KEEPS = "\n\t"
# An empty box is read as the field's text when empty text means something ("" is an
# empty list of expected codes: any status), else as no value (see parse_form).
EMPTY_IS_TEXT = ("name", "expected_status", "expected_values", "headers", "tags", "steps")
# Depend on the kind or on other fields, so a new monitor's form leaves them empty for
# the API to fill in once those are chosen (their placeholders say what that gives).
_DEFAULTED_LATER = (
    "timeout_seconds",
    "regions",
    "failure_threshold",
    "recovery_threshold",
    "dns_record_type",
    "tls_expiry_days",
    "domain_expiry_days",
    "grace_seconds",
)


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
# JSON leaves DEL and the C1 controls as they are; as \u escapes they show.
_UNSHOWN_IN_JSON = re.compile(r"[\x7f-\x9f]")


@dataclass(slots=True)
class Parsed:
    """The API body the form asks for, and the fields that could not be read."""

    body: dict[str, Any] = field(default_factory=dict)
    errors: Errors = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)


def _number_text(value: float | None) -> str:
    """In full: `:g` would write 2678400 as 2.6784e+06 and round 0.1234567."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def _json_text(value: Any, indent: int | None = None) -> str:
    if value is None:
        return ""
    shown = json.dumps(value, ensure_ascii=False, indent=indent)
    return _UNSHOWN_IN_JSON.sub(lambda found: f"\\u{ord(found.group()):04x}", shown)


def form_values(fields: Mapping[str, Any], rules: list[ChannelRule]) -> Values:
    """A monitor's fields (or a new one's defaults) as its form shows them."""
    values: Values = {name: show(fields[name] or "") for name in TEXT_FIELDS}
    values.update({name: fields[name] or "" for name in CHOICES})
    values.update({name: _number_text(fields[name]) for name in (*INT_FIELDS, *FLOAT_FIELDS)})
    values.update({name: ", ".join(fields[name] or []) for name in CODE_LISTS})
    values.update({name: bool(fields[name]) for name in CHECKBOXES})
    values["expected_values"] = "\n".join(show(entry) for entry in fields["expected_values"])
    values["headers"] = "\n".join(
        f"{name}: {show(value)}" for name, value in (fields["headers"] or {}).items()
    )
    body = fields["body"]
    # An empty body is not no body: written with escapes, an empty box says "".
    values[BODY_ESCAPES] = body == "" or needs_escapes(body or "", keep=_BODY_KEEPS)
    values["body"] = show(body or "", keep=_BODY_KEEPS) if values[BODY_ESCAPES] else body or ""
    values["json_expected"] = _json_text(fields["json_expected"])
    values["steps"] = _json_text(fields.get("steps") or [], indent=2)
    values[assertion_rows.FIELD] = assertion_rows.shown_rows(fields.get(assertion_rows.FIELD))
    values["channel_ids"] = [str(rule.channel_id) for rule in rules]
    return values


def new_form_values(defaults: Mapping[str, Any]) -> Values:
    """A new monitor's form from the defaults the API gives (new_monitor_values): those
    that depend on the kind or on other fields are left empty, so the API fills them
    in from what is chosen."""
    values = form_values({**defaults, "name": ""}, [])
    values.update(dict.fromkeys(_DEFAULTED_LATER, ""))
    return values


def _headers(raw: str) -> dict[str, str]:
    """`Name: value` lines; the one blank after the colon is the format's, any more
    belong to the value (a header cannot hold a line break, so lines are unambiguous)."""
    headers: dict[str, str] = {}
    for line in lines_sent(raw).split("\n"):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise ValueError("write one header per line as Name: value")
        headers[name.strip()] = read(value.removeprefix(" "))
    return headers


def _json_expected(raw: str) -> Any:
    """JSON when it parses (42, true, "ok", {"a": 1}); otherwise the text itself, so a
    plain word need not be quoted."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw.strip()


def _steps(raw: str) -> Any:
    """The steps, written as the API's JSON list; an empty box is no steps."""
    if not raw.strip():
        return []
    try:
        steps = json.loads(lines_sent(raw))
    except ValueError as error:
        raise ValueError(
            f"write the steps as a JSON list, as the API takes them ({error})"
        ) from None
    if not isinstance(steps, list):
        raise ValueError("write the steps as a JSON list: [{...}, {...}]")
    return steps


def _convert(name: str, raw: str, *, body_escapes: bool) -> Any:
    """One field's text as the API's value; ValueError with the message to show."""
    if name in INT_FIELDS:
        if not re.fullmatch(r"[+-]?\d{1,12}", raw.strip()):
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
    if name in CODE_LISTS:
        return [entry.strip() for entry in _SPLIT.split(lines_sent(raw)) if entry.strip()]
    if name == "expected_values":
        return [read(line) for line in lines_sent(raw).split("\n") if line]
    if name == "headers":
        return _headers(raw)
    if name == "json_expected":
        return _json_expected(raw)
    if name == "steps":
        return _steps(raw)
    if name == "body":
        return read(lines_sent(raw)) if body_escapes else lines_sent(raw)
    return read(raw) if name in TEXT_FIELDS else raw


def _is_empty(name: str, raw: str, *, body_escapes: bool) -> bool:
    # Text is kept as typed, so only a box with nothing at all in it is empty; a body
    # written with escapes is the empty text even then.
    if name == "body":
        return raw == "" and not body_escapes
    return raw == "" if name in TEXT_FIELDS else raw.strip() == ""


def parse_form(form: FormData, *, editing: bool) -> tuple[Parsed, Values]:
    """The API body for the submitted form, and the values to show it again with.

    An empty box means the API's default on a new monitor, null for a field that may be
    null, and "this field is required" when a monitor cannot be without it. Only the
    fields of the chosen kind are sent: the sections of other kinds are hidden, and
    what they hold is not part of the monitor.
    """
    values: Values = {name: text(form, name) for name in FIELDS if name not in CHECKBOXES}
    values.update({name: bool(text(form, name)) for name in (*CHECKBOXES, BODY_ESCAPES)})
    values["channel_ids"] = texts(form, "channel_ids")
    values[assertion_rows.FIELD] = assertion_rows.sent_rows(form)
    parsed = Parsed()
    parsed.body[assertion_rows.FIELD] = assertion_rows.body_rows(values[assertion_rows.FIELD])
    for name in FIELDS:
        if name in CHECKBOXES:
            parsed.body[name] = values[name]
        elif name == "channel_ids":
            continue
        elif (
            _is_empty(name, values[name], body_escapes=values[BODY_ESCAPES])
            and name not in EMPTY_IS_TEXT
        ):
            if editing and name in REQUIRED_ON_UPDATE:
                parsed.errors[name] = "this field is required"
            elif name in NULLABLE:
                parsed.body[name] = None
            # else: left out, so a new monitor gets the API's default
        else:
            try:
                parsed.body[name] = _convert(name, values[name], body_escapes=values[BODY_ESCAPES])
            except ValueError as error:
                parsed.errors[name] = str(error)
    own = fields_of(values["kind"] or DEFAULT_KIND)
    parsed.body = {name: value for name, value in parsed.body.items() if name in own}
    chosen = values["channel_ids"]
    parsed.channel_ids = [int(value) for value in chosen if value.isdigit() and len(value) < 11]
    if len(parsed.channel_ids) != len(chosen):
        parsed.errors["channel_ids"] = "choose channels from the list"
    return parsed, values


def changed_fields(body: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of an edit form's body that differ from the monitor's: an unchanged
    box is not sent, so it cannot rewrite anything, and on a kind change the API decides
    what becomes of the fields left alone (domain.monitor_kinds.changed_values)."""
    return {name: value for name, value in body.items() if not same_value(value, current.get(name))}


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
