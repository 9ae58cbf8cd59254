"""The values that travel between roles: check jobs, check results and events.

They are plain pydantic models serialised as JSON, so the in-process and the broker
transports carry exactly the same bytes. A job carries the monitor snapshot a worker
needs, so workers never read the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

MonitorKind = Literal[
    "http",
    "keyword",
    "json",
    "tcp",
    "dns",
    "ping",
    "tls",
    "domain",
    "heartbeat",
    "multistep",
    "browser",
]
KeywordMode = Literal["present", "absent"]
# The assertion language (domain.assertion_language): where a value is read from, and
# how it is compared with the target.
AssertionSource = Literal[
    "status_code", "header", "json_body", "text_body", "response_time", "certificate_days"
]
Comparison = Literal[
    "equals",
    "not_equals",
    "greater_than",
    "less_than",
    "contains",
    "not_contains",
    "matches",
    "exists",
    "not_exists",
    "is_empty",
]
# With "at_most", internal: what max_response_time_ms means (the API does not take it).
AssertionComparison = Literal[Comparison, "at_most"]
# The events a channel link can ask for (`channel_rules[].events`).
EventType = Literal["down", "up", "reminder", "acknowledged", "degraded"]
# A maintenance window with `notify` starting and ending: told to every channel of its
# monitors, whatever their links ask for (the window's `notify` is the opt-in).
MaintenanceEventType = Literal["maintenance_started", "maintenance_ended"]


class Assertion(BaseModel):
    """One condition on a response: `{source, property, comparison, target}`.

    `property` names the header or the JSON path (other sources have none); `target` is
    what the value is compared with, as text (none for exists, not_exists, is_empty).
    Checked when saved (schemas.assertions), judged by domain.assertion_language.
    """

    model_config = ConfigDict(frozen=True)

    source: AssertionSource
    property: str | None = None
    comparison: AssertionComparison
    target: str | None = None


class Extract(BaseModel):
    """Where a multi-step check's variable comes from: a JSON path of the step's response
    body (`$.token`) or one of its headers (`header:Name`); `secret` values are masked
    wherever the check's results are shown."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    source: str = Field(alias="from")
    secret: bool = False


def _extract_rule(value: Any) -> Any:
    """`"$.token"` is short for `{"from": "$.token"}`."""
    return {"from": value} if isinstance(value, str) else value


class Step(BaseModel):
    """One request of a multi-step check; `{{var}}` in url, headers and body stands for
    a variable an earlier step extracted (domain.multistep)."""

    model_config = ConfigDict(frozen=True)

    name: str
    method: str = "GET"
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    expected_status: list[str] = Field(default_factory=lambda: ["200-299"])
    assertions: list[Assertion] = Field(default_factory=list)
    extract: dict[str, Annotated[Extract, BeforeValidator(_extract_rule)]] = Field(
        default_factory=dict
    )


class ProbeSpec(BaseModel):
    """What to check and how to judge it: the monitor fields a probe needs."""

    model_config = ConfigDict(frozen=True)

    monitor_id: int
    kind: MonitorKind = "http"
    url: str = ""
    method: str = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    follow_redirects: bool = True
    verify_tls: bool = True
    timeout_seconds: float = 10.0
    expected_status: list[str] = Field(default_factory=lambda: ["200-299"])
    keyword: str | None = None
    keyword_mode: KeywordMode = "present"
    json_path: str | None = None
    json_expected: Any = None
    max_response_time_ms: int | None = None
    tcp_send: str | None = None
    tcp_expect: str | None = None
    dns_record_type: str = "A"
    dns_resolver: str | None = None
    expected_values: list[str] = Field(default_factory=list)
    ping_count: int = 3
    max_packet_loss_percent: float | None = None
    # Fail when the certificate expires within this many days; None: not checked.
    tls_expiry_days: int | None = None
    # The monitor's own assertions, judged after the fields above (which are assertions
    # too, worded as they always were: see domain.assertions.evaluate).
    assertions: list[Assertion] = Field(default_factory=list)
    # Fail when the registrable domain expires within this many days (RDAP); None: not
    # checked (kind domain always has it).
    domain_expiry_days: int | None = None
    # multistep: the requests, in order.
    steps: list[Step] = Field(default_factory=list)
    # browser: the actions after opening `url`, as the API validated them (the monitor's
    # `steps`; see domain/browser.py).
    browser_steps: list[dict[str, Any]] = Field(default_factory=list)


class CheckJob(BaseModel):
    """One probe to run in one region for one due time."""

    spec: ProbeSpec
    region: str
    due_at: datetime
    # A job that has not started by then is dropped and counted as missed, never run late.
    expires_at: datetime


class Timings(BaseModel):
    """Where the time of one check went, in milliseconds (None: phase did not happen)."""

    dns_ms: float | None = None
    connect_ms: float | None = None
    tls_ms: float | None = None
    first_byte_ms: float | None = None
    total_ms: float | None = None


class CheckResult(BaseModel):
    """One probe result from one region, as the ingester receives it."""

    monitor_id: int
    region: str
    due_at: datetime
    checked_at: datetime
    up: bool
    response_time_ms: float | None = None
    status_code: int | None = None
    error: str | None = None
    timings: Timings = Field(default_factory=Timings)
    # The certificate seen, when the check looked at one.
    cert_expires_at: datetime | None = None
    cert_issuer: str | None = None
    # The registration's expiry date, when the check read one (RDAP); also in `details`.
    domain_expires_at: datetime | None = None
    # What came with the check: a heartbeat ping's body (at most 10 kB).
    body: str | None = None
    # A heartbeat ping as the api received it: "start" announces a run (recorded on the
    # monitor, never stored as a check), "end" is a run's success or reported failure.
    # None for probe results and for the scheduler's missed-ping failures.
    ping: Literal["start", "end"] | None = None
    # What a check of several parts found beyond the figures, as plain JSON: the steps of
    # a multi-step or browser check, a domain's expiry date. None for one-request checks.
    details: dict[str, Any] | None = None
    # A browser check's failure screenshot: a JPEG, base64 (at most
    # domain.browser.SCREENSHOT_MAX_BYTES before encoding). The ingester stores it apart
    # from the check (check_screenshots); None for every other check.
    screenshot: str | None = None


class Event(BaseModel):
    """Something to tell people about: a transition (down, up) decided by the ingester, a
    reminder of an open incident, or its acknowledgement; a monitor turning degraded; a
    maintenance window starting or ending. Written to the outbox first."""

    id: int
    type: EventType | MaintenanceEventType
    monitor_id: int
    incident_id: int | None
    # When what it reports began (the first failure; the first success of a recovery).
    at: datetime
    cause: str | None = None
    # When it was decided (the failure confirmed, the reminder due, the ack made).
    decided_at: datetime | None = None
    # The maintenance window of a maintenance_started/ended event.
    window_id: int | None = None


class WorkerHeartbeat(BaseModel):
    """A worker saying it is alive, where, and what it has done since it started."""

    worker_id: str
    region: str
    started_at: datetime
    at: datetime
    checked_total: int
    missed_total: int
    # Started with --browser: it also takes its region's browser checks.
    browser: bool = False
