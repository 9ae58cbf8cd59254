"""Which fields each monitor kind has, the default of every field, and the rules a kind
adds on top of each field's own.

One place decides what a new monitor gets for a field that was not sent (the API, config
as code and the dashboard's form all ask `new_monitor_values`) and what a change does to
fields that do not belong to the monitor's kind (`changed_values`), so a monitor is the
same however it was made or changed.

Pure: no I/O.
"""

from __future__ import annotations

import copy
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from betteruptime.domain.browser import is_action, steps_problem
from betteruptime.domain.multistep import MAX_STEPS, variable_problems
from betteruptime.domain.targets import has_certificate, has_registrable_domain, url_problem

DEFAULT_KIND = "http"
DEFAULT_INTERVAL_SECONDS = 60
MAX_DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_GRACE_SECONDS = 60
DEFAULT_TLS_EXPIRY_DAYS = 14
DEFAULT_DOMAIN_EXPIRY_DAYS = 14
HTTP_KINDS = frozenset({"http", "keyword", "json"})

# Fields every monitor has, whatever its kind.
COMMON_FIELDS = frozenset(
    {
        "name",
        "kind",
        "interval_seconds",
        "timeout_seconds",
        "regions",
        "min_failed_regions",
        "failure_threshold",
        "recovery_threshold",
        "remind_every_minutes",
        "tags",
        "group",
    }
)
# Every kind that is probed has a target and is timed; a heartbeat is pinged instead.
_PROBED = frozenset({"url", "max_response_time_ms", "degraded_after_ms"})
# http, keyword and json are one probe: a keyword or JSON path set on any of them is checked.
_HTTP = _PROBED | {
    "method",
    "headers",
    "body",
    "follow_redirects",
    "verify_tls",
    "expected_status",
    "keyword",
    "keyword_mode",
    "json_path",
    "json_expected",
    "tls_expiry_days",
    "assertions",
    "domain_expiry_days",
}
KIND_FIELDS: Mapping[str, frozenset[str]] = {
    "http": _HTTP,
    "keyword": _HTTP,
    "json": _HTTP,
    "tls": _PROBED | {"verify_tls", "tls_expiry_days", "assertions"},
    # The registry is asked (RDAP, cached): no response time of the target to judge.
    "domain": frozenset({"url", "domain_expiry_days"}),
    "tcp": _PROBED | {"tcp_send", "tcp_expect"},
    "dns": _PROBED | {"dns_record_type", "dns_resolver", "expected_values"},
    "ping": _PROBED | {"ping_count", "max_packet_loss_percent"},
    "heartbeat": frozenset({"period_seconds", "grace_seconds", "cron", "timezone"}),
    # Each step has its own URL and request; the timeout covers them all.
    "multistep": (_PROBED - {"url"}) | {"steps", "follow_redirects", "verify_tls"},
    # The url is the start page; the steps follow it (domain/browser.py).
    "browser": _PROBED | {"steps"},
}
# Every setting of a monitor (its channel links are not fields of the monitor itself).
MONITOR_FIELDS = COMMON_FIELDS.union(*KIND_FIELDS.values())

# Defaults that depend on nothing. Mutable ones are copied for each monitor.
_FIXED_DEFAULTS: Mapping[str, Any] = {
    "url": None,
    "method": "GET",
    "headers": {},
    "body": None,
    "follow_redirects": True,
    "verify_tls": True,
    "expected_status": ["200-299"],
    "keyword": None,
    "keyword_mode": "present",
    "json_path": None,
    "json_expected": None,
    "max_response_time_ms": None,
    "assertions": [],
    "steps": [],
    "min_failed_regions": None,
    "tcp_send": None,
    "tcp_expect": None,
    "dns_resolver": None,
    "expected_values": [],
    "ping_count": 3,
    "max_packet_loss_percent": None,
    "degraded_after_ms": None,
    "period_seconds": None,
    "cron": None,
    "timezone": "UTC",
    "remind_every_minutes": None,
    "tags": [],
    "group": None,
}
# Sent as null, these take their default: for them null is how a body says "the default"
# (the others' null is a value: no keyword, no limit).
NULL_MEANS_DEFAULT = frozenset(
    {
        "interval_seconds",
        "timeout_seconds",
        "regions",
        "dns_record_type",
        "tls_expiry_days",
        "domain_expiry_days",
        "grace_seconds",
    }
)


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class ServerDefaults:
    """What a new monitor's defaults depend on beyond what was sent: the server's
    minimum interval and region, and the regions where workers run now."""

    min_interval: int
    region: str
    live_regions: Sequence[str] = ()


def fields_of(kind: str) -> frozenset[str]:
    """The fields a monitor of `kind` has: the common ones and its kind's."""
    return COMMON_FIELDS | KIND_FIELDS.get(kind, frozenset())


def kinds_with(name: str) -> list[str]:
    """The kinds that have the field `name`, in the order of KIND_FIELDS."""
    return [kind for kind, names in KIND_FIELDS.items() if name in names]


def default_interval(min_interval: int) -> int:
    return max(DEFAULT_INTERVAL_SECONDS, min_interval)


def default_timeout(interval_seconds: int) -> float:
    """Half the interval, capped at 10 s: long enough for slow sites, short of the next check."""
    return min(MAX_DEFAULT_TIMEOUT_SECONDS, interval_seconds / 2)


def field_defaults(kind: str) -> dict[str, Any]:
    """The default of every field whose default depends on nothing but the kind: all
    but name, kind, and the interval, timeout and regions (see new_monitor_values).

    One missed ping is a heartbeat's outage and the next ping its end: a cron job that
    runs hourly cannot wait three runs to be believed. A DNS check asks for A records,
    a tls check fails two weeks before the certificate expires, a domain check two
    weeks before the registration does.
    """
    heartbeat = kind == "heartbeat"
    return copy.deepcopy(dict(_FIXED_DEFAULTS)) | {
        "failure_threshold": 1 if heartbeat else 3,
        "recovery_threshold": 1 if heartbeat else 2,
        "dns_record_type": "A" if kind == "dns" else None,
        "tls_expiry_days": DEFAULT_TLS_EXPIRY_DAYS if kind == "tls" else None,
        "domain_expiry_days": DEFAULT_DOMAIN_EXPIRY_DAYS if kind == "domain" else None,
        "grace_seconds": DEFAULT_GRACE_SECONDS if heartbeat else None,
    }


def _given(sent: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: value
        for name, value in sent.items()
        if not (value is None and name in NULL_MEANS_DEFAULT)
    }


def new_monitor_values(sent: Mapping[str, Any], server: ServerDefaults) -> dict[str, Any]:
    """Every field of a new monitor: what was `sent` (only the fields a body or file
    gave), and the default of each other one. The interval defaults to 60 s (or the
    server's minimum if higher), the timeout to half the interval (at most 10 s), the
    regions to those where workers run now (on a fresh install with none yet, the
    server's own)."""
    values = field_defaults(str(sent.get("kind") or DEFAULT_KIND)) | _given(sent)
    values.setdefault("kind", DEFAULT_KIND)
    interval = values.setdefault("interval_seconds", default_interval(server.min_interval))
    values.setdefault("timeout_seconds", default_timeout(interval))
    values.setdefault("regions", list(server.live_regions) or [server.region])
    return values


def changed_values(current: Mapping[str, Any], sent: Mapping[str, Any]) -> dict[str, Any]:
    """A monitor's fields after a change: `current` with what was `sent`.

    The fields that do not belong to the (new) kind go back to their defaults, so a
    heartbeat turned http keeps no cron, and an http monitor turned heartbeat no URL.
    On a kind change, a field that held the old kind's default takes the new kind's:
    the heartbeat's threshold of one failure becomes an http monitor's three, as it
    would be had the monitor been made as one; a value someone chose is kept.
    """
    merged = {**current, **_given(sent)}
    old, new = current["kind"], merged["kind"]
    before, after, own = field_defaults(old), field_defaults(new), fields_of(new)
    for name, default in after.items():
        if name in sent:
            if sent[name] is None and name in NULL_MEANS_DEFAULT:
                merged[name] = default
        elif name not in own or (old != new and current.get(name) == before[name]):
            merged[name] = default
    return merged


def foreign_fields(kind: str, sent: Mapping[str, Any]) -> list[FieldProblem]:
    """Fields sent with a value although a monitor of `kind` does not have them (a value
    equal to the default changes nothing and is accepted). The URL is left to
    kind_problems, which says what a kind's URL must be."""
    defaults, own = field_defaults(kind), fields_of(kind)
    return [
        FieldProblem(name, f'a monitor of kind "{kind}" has no {name} (only {_kinds_with(name)})')
        for name, value in sent.items()
        if name in defaults and name != "url" and name not in own and value != defaults[name]
    ]


def _kinds_with(name: str) -> str:
    kinds = kinds_with(name)
    if len(kinds) == 1:
        return f"kind {kinds[0]} has it"
    return f"kinds {', '.join(kinds[:-1])} and {kinds[-1]} have it"


def same_value(a: Any, b: Any) -> bool:
    """Whether two field values are the same as JSON: in Python `True == 1`, but a JSON
    path expecting true is not one expecting 1."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def new_ping_token() -> str:
    """The secret part of a heartbeat's ping URL: 192 random bits."""
    return secrets.token_urlsafe(24)


def ping_token_for(kind: str, current: str | None) -> str | None:
    """A heartbeat keeps its token or gets a new one; any other kind has none, so a
    monitor that stops being a heartbeat stops answering at its old ping URL."""
    if kind != "heartbeat":
        return None
    return current or new_ping_token()


def kind_problems(values: Mapping[str, Any]) -> list[FieldProblem]:
    """The rules of the monitor's kind that its values break."""
    kind = values["kind"]
    problems: list[FieldProblem] = []
    problem = url_problem(kind, values.get("url"))
    if problem:
        problems.append(FieldProblem("url", problem))
    if kind == "keyword" and not values.get("keyword"):
        problems.append(FieldProblem("keyword", 'is required for a monitor of kind "keyword"'))
    if kind == "json" and not values.get("json_path"):
        problems.append(FieldProblem("json_path", 'is required for a monitor of kind "json"'))
    if kind == "browser":
        wrong_steps = steps_problem(values.get("steps") or [])
        if wrong_steps:
            problems.append(FieldProblem("steps", wrong_steps))
    if kind == "heartbeat":
        has_period, has_cron = values.get("period_seconds") is not None, bool(values.get("cron"))
        if has_period == has_cron:
            problems.append(
                FieldProblem(
                    "period_seconds",
                    "a heartbeat needs period_seconds or cron (one of them, not both)",
                )
            )
    wants_certificate = values.get("tls_expiry_days") is not None and kind in HTTP_KINDS
    if wants_certificate and not has_certificate(values.get("url") or ""):
        problems.append(
            FieldProblem("tls_expiry_days", "needs an https:// URL: http has no certificate")
        )
    wants_domain = values.get("domain_expiry_days") is not None and kind in HTTP_KINDS
    if wants_domain and not problem and not has_registrable_domain(values.get("url") or ""):
        problems.append(
            FieldProblem(
                "domain_expiry_days",
                "needs a URL whose host is a registered domain (or a name under one), "
                "not an IP address or a local name",
            )
        )
    if kind == "multistep" and not values.get("steps"):
        problems.append(FieldProblem("steps", f"a multistep monitor needs 1 to {MAX_STEPS} steps"))
    steps = values.get("steps") or []
    if kind == "multistep" and any(is_action(step) for step in steps):
        problems.append(
            FieldProblem(
                "steps",
                "a multistep monitor's steps are requests ({name, url, …}); steps with an "
                "action are a browser monitor's",
            )
        )
    elif not any(is_action(step) for step in steps):
        problems += [FieldProblem(path, message) for path, message in variable_problems(steps)]
    return problems + _assertion_problems(kind, values)


def _assertion_problems(kind: str, values: Mapping[str, Any]) -> list[FieldProblem]:
    """A tls check reads no response, only a certificate; and only an https URL has one."""
    problems: list[FieldProblem] = []
    https = has_certificate(values.get("url") or "")
    for index, row in enumerate(values.get("assertions") or []):
        source = row.get("source")
        if kind == "tls" and source != "certificate_days":
            problems.append(
                FieldProblem(
                    f"assertions[{index}]",
                    f"a tls monitor reads no response: only certificate_days, not {source}",
                )
            )
        elif source == "certificate_days" and not https:
            problems.append(
                FieldProblem(
                    f"assertions[{index}]",
                    "certificate_days needs an https:// URL: http has no certificate",
                )
            )
    return problems
