"""What each monitor kind needs beyond the common fields, and the defaults it gets.

Pure functions over the merged field values (a dict), shared by create and update, so
a PATCH that changes the kind is held to the same rules as a POST.

Pure: no I/O.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from betteruptime.domain.targets import has_certificate, url_problem

DEFAULT_GRACE_SECONDS = 60
DEFAULT_TLS_EXPIRY_DAYS = 14
HTTP_KINDS = frozenset({"http", "keyword", "json"})


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    message: str


def new_ping_token() -> str:
    """The secret part of a heartbeat's ping URL: 192 random bits."""
    return secrets.token_urlsafe(24)


def fill_kind_defaults(values: MutableMapping[str, Any]) -> None:
    """Defaults that depend on the kind (in place): the DNS record type, the TLS expiry
    margin, a heartbeat's grace and its ping token."""
    kind = values["kind"]
    if kind == "dns" and not values.get("dns_record_type"):
        values["dns_record_type"] = "A"
    if kind == "tls" and values.get("tls_expiry_days") is None:
        values["tls_expiry_days"] = DEFAULT_TLS_EXPIRY_DAYS
    if kind == "heartbeat":
        if values.get("grace_seconds") is None:
            values["grace_seconds"] = DEFAULT_GRACE_SECONDS
        if not values.get("ping_token"):
            values["ping_token"] = new_ping_token()
    else:
        values["ping_token"] = None  # no longer pinged: its old URL stops working


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
    return problems
