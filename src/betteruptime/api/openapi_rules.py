"""The rules of a body that involve several of its fields, in JSON Schema, for the
OpenAPI document: what each monitor kind needs (and the fields it does not have, which
may only be sent with their default), the two forms of a maintenance window, and one way
of linking channels, what a bulk action selects. The server checks them in `domain.monitor_kinds`,
`domain.targets` and `domain.maintenance`, from the same tables.

Two rules are left to the prose of the fields, as JSON Schema cannot compare two
values: `timeout_seconds` below `interval_seconds`, `min_failed_regions` at most the
number of regions, and a one-off window's `ends_at` after its `starts_at`. One more is
left to the prose of `domain_expiry_days`: on an http monitor it needs a URL whose host
is a name under a registered domain (the Public Suffix List is no pattern, and a second
anyOf per HTTP kind beside the https one makes the body too large for the fuzzer's
generator, which then gives up on it whole).
Nor can it say that a multistep step uses only variables an earlier step extracts, or
which comparisons an assertion's source takes. Ids of other
objects (`channel_ids`, `monitor_ids`) must name the caller's own.
"""

from __future__ import annotations

from typing import Any, get_args

from betteruptime.domain.monitor_kinds import field_defaults, fields_of
from betteruptime.domain.targets import SCHEMES
from betteruptime.domain.url_grammar import HOST_ONLY, MAX_DNS_NAME, scheme_pattern
from betteruptime.schemas.monitor_bulk import TAG_ACTIONS, BulkAction
from betteruptime.schemas.monitors import MonitorCreate

Schema = dict[str, Any]
DEFAULT_KIND = MonitorCreate.model_fields["kind"].default


def _kind(kind: str) -> Schema:
    """A body of this kind; a body without `kind` is of the default one. A field the kind
    does not have may be sent only with its default (foreign_fields refuses the rest; the
    URL has a rule of its own, below)."""
    own = fields_of(kind)
    foreign = {
        name: {"const": default}
        for name, default in field_defaults(kind).items()
        if name not in own and name != "url"
    }
    branch: Schema = {"properties": {"kind": {"const": kind}, **foreign}}
    if kind != DEFAULT_KIND:
        branch["required"] = ["kind"]
    return branch


def _with(branch: Schema, *fields: str, **properties: Schema) -> Schema:
    return {
        "properties": {**branch["properties"], **properties},
        "required": [*branch.get("required", []), *fields],
    }


def _url(pattern: str, **more: Any) -> Schema:
    return {"type": "string", "pattern": pattern, **more}


def _kind_branch(kind: str, schemes: tuple[str, ...]) -> Schema:
    branch = _kind(kind)
    if kind in HOST_ONLY:
        more = {"maxLength": len(f"{kind}://") + MAX_DNS_NAME} if kind in ("dns", "domain") else {}
        return _with(branch, "url", url=_url(HOST_ONLY[kind], **more))
    if kind == "multistep":  # no url: each step has its own; one step at least
        return _with(branch, "steps", url={"type": "null"}, steps={"minItems": 1})
    if not schemes:  # heartbeat: pinged, so no url; a period or a cron, not both
        branch = _with(branch, url={"type": "null"})
        branch["anyOf"] = [
            _with(
                {"properties": {}},
                "period_seconds",
                period_seconds={"type": "integer"},
                cron={"type": "null"},
            ),
            _with(
                {"properties": {}}, "cron", cron={"type": "string"}, period_seconds={"type": "null"}
            ),
        ]
        return branch
    # The whole URL grammar is the `url` property's own pattern; here its scheme.
    branch = _with(branch, "url", url=_url(scheme_pattern(*schemes)))
    if kind == "keyword":
        branch = _with(branch, "keyword", keyword={"type": "string"})
    if kind == "json":
        branch = _with(branch, "json_path", json_path={"type": "string"})
    if kind == "browser":
        branch = _with(branch, "steps", steps={"type": "array", "minItems": 1})
    # A certificate to check needs https; a browser monitor has no tls_expiry_days (and a
    # branch less keeps the body within what the fuzzer's generator can model).
    if "http" in schemes and kind != "browser":
        branch["anyOf"] = [
            {"properties": {"tls_expiry_days": {"type": "null"}}},
            {"properties": {"url": _url(scheme_pattern("https"))}},
        ]
    return branch


def monitor_create_rules() -> list[Schema]:
    """One branch per kind (they exclude each other), and one way of linking channels."""
    kinds = [_kind_branch(kind, schemes) for kind, schemes in SCHEMES.items()]
    return [{"anyOf": kinds}, *channel_link_rules()]


def maintenance_window_rules() -> list[Schema]:
    """One-off (`starts_at` and `ends_at`) or recurring (`weekdays`, `start_time`,
    `duration_minutes`); the other form's fields left out or null."""
    one_off = _with(
        {"properties": {}},
        "starts_at",
        "ends_at",
        starts_at={"type": "string"},
        ends_at={"type": "string"},
        weekdays={"maxItems": 0},
        start_time={"type": "null"},
        duration_minutes={"type": "null"},
    )
    recurring = _with(
        {"properties": {}},
        "weekdays",
        "start_time",
        "duration_minutes",
        weekdays={"minItems": 1},
        start_time={"type": "string"},
        duration_minutes={"type": "integer"},
        starts_at={"type": "null"},
        ends_at={"type": "null"},
    )
    return [{"anyOf": [one_off, recurring]}]


def monitor_bulk_rules() -> list[Schema]:
    """Monitors by `ids` or by `tag` (one of them); `tags` with the tag actions only."""
    by_ids = _with({"properties": {}}, "ids", ids={"type": "array"}, tag={"type": "null"})
    by_tag = _with({"properties": {}}, "tag", tag={"type": "string"}, ids={"type": "null"})
    tag_actions = sorted(TAG_ACTIONS)
    others = [action for action in get_args(BulkAction) if action not in TAG_ACTIONS]
    with_tags = _with(
        {"properties": {}}, "tags", action={"enum": tag_actions}, tags={"type": "array"}
    )
    without = _with({"properties": {}}, action={"enum": others}, tags={"type": "null"})
    return [{"anyOf": [by_ids, by_tag]}, {"anyOf": [with_tags, without]}]


def channel_link_rules() -> list[Schema]:
    return [{"not": {"required": ["channel_ids", "channel_rules"]}}]


# Component name: rules added to it.
BODY_RULES = {
    "MonitorCreate": monitor_create_rules,
    "MonitorUpdate": channel_link_rules,
    "MaintenanceWindowCreate": maintenance_window_rules,
    "MonitorBulk": monitor_bulk_rules,
}
