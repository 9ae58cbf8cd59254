"""Monitor bodies.

Field types and their own rules live in monitor_fields.py (HTTP and common fields) and
kinds.py (the other kinds). Rules that need the server's settings or other
fields (minimum interval, timeout below interval, what a kind requires) are checked by
`services.monitors` against the merged result, for PATCH as well as POST.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, Field, model_validator

from betteruptime.db.models import Monitor, MonitorState
from betteruptime.schemas.assertions import AssertionRow, Assertions
from betteruptime.schemas.base import RequestModel
from betteruptime.schemas.browser import MonitorSteps
from betteruptime.schemas.kinds import (
    Cron,
    DegradedAfter,
    DnsRecordType,
    DnsResolver,
    DomainExpiryDays,
    ExpectedValues,
    GraceSeconds,
    PacketLoss,
    PeriodSeconds,
    PingCount,
    TcpBytes,
    TimeZone,
    TlsExpiryDays,
)
from betteruptime.schemas.links import (
    ChannelIds,
    ChannelRule,
    ChannelRules,
    RemindEvery,
    check_link_fields,
    rules_from,
)
from betteruptime.schemas.monitor_fields import (
    Body,
    ExpectedStatus,
    Group,
    Headers,
    HttpMethod,
    Interval,
    JsonExpected,
    JsonPath,
    Keyword,
    KeywordMode,
    Kind,
    MaxResponseTime,
    MinFailedRegions,
    MonitorStatus,
    Name,
    Regions,
    Tags,
    Threshold,
    Timeout,
    Url,
)
from betteruptime.schemas.updates import not_null

# A header value shown to someone who may not see secrets (a viewer).
MASKED = "***"


class MonitorCreate(RequestModel):
    """A new monitor. Fields left out take the defaults described on each."""

    name: Name
    kind: Kind = "http"
    url: Url | None = None
    method: HttpMethod = "GET"
    headers: Headers = Field(default_factory=dict)
    body: Body | None = None
    follow_redirects: bool = True
    verify_tls: bool = True
    interval_seconds: Interval | None = None
    timeout_seconds: Timeout | None = None
    regions: Regions | None = None
    expected_status: ExpectedStatus = Field(default_factory=lambda: ["200-299"])
    keyword: Keyword | None = Field(None, description="Required for kind `keyword`.")
    keyword_mode: KeywordMode = "present"
    json_path: JsonPath | None = Field(None, description="Required for kind `json`.")
    json_expected: JsonExpected = Field(
        None, description="The value at json_path; null: the path only has to exist."
    )
    max_response_time_ms: MaxResponseTime | None = None
    assertions: Assertions = Field(default_factory=list)
    steps: MonitorSteps = Field(
        default_factory=list,
        description="multistep: the requests (1 to 10); browser: the actions after opening "
        "`url` (1 to 20).",
    )
    min_failed_regions: MinFailedRegions | None = None
    failure_threshold: Threshold = 3
    recovery_threshold: Threshold = 2
    tcp_send: TcpBytes | None = None
    tcp_expect: TcpBytes | None = None
    dns_record_type: DnsRecordType | None = None
    dns_resolver: DnsResolver | None = None
    expected_values: ExpectedValues = Field(default_factory=list)
    ping_count: PingCount = 3
    max_packet_loss_percent: PacketLoss | None = None
    tls_expiry_days: TlsExpiryDays | None = None
    domain_expiry_days: DomainExpiryDays | None = None
    degraded_after_ms: DegradedAfter | None = None
    period_seconds: PeriodSeconds | None = None
    grace_seconds: GraceSeconds | None = None
    cron: Cron | None = None
    timezone: TimeZone = "UTC"
    remind_every_minutes: RemindEvery | None = None
    tags: Tags = Field(default_factory=list)
    group: Group | None = None
    channel_ids: ChannelIds | None = None
    channel_rules: ChannelRules | None = None

    @model_validator(mode="after")
    def _links(self) -> Self:
        return check_link_fields(self)

    def rules(self) -> list[ChannelRule]:
        return rules_from(self.channel_ids, self.channel_rules) or []


# Fields that exist on every monitor: PATCH may change them but not set them to null.
_REQUIRED_ON_UPDATE = (
    "name",
    "kind",
    "method",
    "headers",
    "follow_redirects",
    "verify_tls",
    "interval_seconds",
    "timeout_seconds",
    "regions",
    "expected_status",
    "assertions",
    "steps",
    "keyword_mode",
    "failure_threshold",
    "recovery_threshold",
    "expected_values",
    "ping_count",
    "timezone",
    "tags",
    "channel_ids",
    "channel_rules",
)


class MonitorUpdate(RequestModel):
    """A partial change: only the fields sent are changed; null clears optional ones."""

    name: Name | None = None
    kind: Kind | None = None
    url: Url | None = None
    method: HttpMethod | None = None
    headers: Headers | None = None
    body: Body | None = None
    follow_redirects: bool | None = None
    verify_tls: bool | None = None
    interval_seconds: Interval | None = None
    timeout_seconds: Timeout | None = None
    regions: Regions | None = None
    expected_status: ExpectedStatus | None = None
    keyword: Keyword | None = None
    keyword_mode: KeywordMode | None = None
    json_path: JsonPath | None = None
    json_expected: JsonExpected = None
    max_response_time_ms: MaxResponseTime | None = None
    assertions: Assertions | None = None
    steps: MonitorSteps | None = None
    min_failed_regions: MinFailedRegions | None = None
    failure_threshold: Threshold | None = None
    recovery_threshold: Threshold | None = None
    tcp_send: TcpBytes | None = None
    tcp_expect: TcpBytes | None = None
    dns_record_type: DnsRecordType | None = None
    dns_resolver: DnsResolver | None = None
    expected_values: ExpectedValues | None = None
    ping_count: PingCount | None = None
    max_packet_loss_percent: PacketLoss | None = None
    tls_expiry_days: TlsExpiryDays | None = None
    domain_expiry_days: DomainExpiryDays | None = None
    degraded_after_ms: DegradedAfter | None = None
    period_seconds: PeriodSeconds | None = None
    grace_seconds: GraceSeconds | None = None
    cron: Cron | None = None
    timezone: TimeZone | None = None
    remind_every_minutes: RemindEvery | None = None
    tags: Tags | None = Field(None, description="Replaces the monitor's tags; [] removes all.")
    group: Group | None = None
    channel_ids: ChannelIds | None = None
    channel_rules: ChannelRules | None = None

    @model_validator(mode="after")
    def _links(self) -> Self:
        return check_link_fields(self)

    def rules(self) -> list[ChannelRule] | None:
        """The new links, or None when the body leaves them as they are."""
        return rules_from(self.channel_ids, self.channel_rules)

    _not_null = not_null(*_REQUIRED_ON_UPDATE)


class MonitorPublic(BaseModel):
    id: int
    name: str
    kind: str
    url: str | None
    method: str
    headers: dict[str, str]
    body: str | None
    follow_redirects: bool
    verify_tls: bool
    interval_seconds: int
    timeout_seconds: float
    regions: list[str]
    expected_status: list[str]
    keyword: str | None
    keyword_mode: str
    json_path: str | None
    json_expected: Any
    max_response_time_ms: int | None
    assertions: list[AssertionRow]
    steps: MonitorSteps
    min_failed_regions: int | None
    failure_threshold: int
    recovery_threshold: int
    tcp_send: str | None
    tcp_expect: str | None
    dns_record_type: str | None
    dns_resolver: str | None
    expected_values: list[str]
    ping_count: int
    max_packet_loss_percent: float | None
    tls_expiry_days: int | None
    domain_expiry_days: int | None
    degraded_after_ms: int | None
    period_seconds: int | None
    grace_seconds: int | None
    cron: str | None
    timezone: str
    remind_every_minutes: int | None
    tags: list[str] = Field(description="Sorted, each once.")
    group: str | None
    ping_url: str | None = Field(
        description="heartbeat: the secret URL to ping (GET, HEAD or POST); also "
        "/start, /fail and /{exit status} below it."
    )
    channel_ids: list[int] = Field(description="Ids of the linked channels, ascending.")
    channel_rules: list[ChannelRule] = Field(description="The links with their rules.")
    status: MonitorStatus = Field(description="`paused` while paused, else what checks decided.")
    last_checked_at: datetime | None
    created_at: datetime
    updated_at: datetime
    warnings: list[str] = Field(
        default_factory=list,
        description="What keeps the monitor from being checked as configured, such as "
        '"no live worker in eu" (a region none of whose workers is alive: it is not '
        "checked from there); empty when nothing does.",
    )

    @classmethod
    def from_row(
        cls,
        monitor: Monitor,
        state: MonitorState | None,
        channel_rules: list[ChannelRule],
        base_url: str = "",
        warnings: list[str] | None = None,
        *,
        secrets: bool = True,
    ) -> MonitorPublic:
        """The monitor as answered; without `secrets` (a viewer asks) its ping URL is
        left out and its header values are masked."""
        status = "paused" if monitor.paused else (state.status if state else "pending")
        rules = sorted(channel_rules, key=lambda rule: rule.channel_id)
        columns = {name: getattr(monitor, name) for name in _MONITOR_COLUMNS}
        if not secrets:
            columns["headers"] = dict.fromkeys(monitor.headers or {}, MASKED)
        shown = secrets and monitor.ping_token
        return cls(
            **columns,
            channel_ids=[rule.channel_id for rule in rules],
            channel_rules=rules,
            ping_url=f"{base_url}/ping/{monitor.ping_token}" if shown else None,
            status=status,
            last_checked_at=state.last_checked_at if state else None,
            warnings=warnings or [],
        )


_MONITOR_COLUMNS = tuple(
    name
    for name in MonitorPublic.model_fields
    if name
    not in ("channel_ids", "channel_rules", "ping_url", "status", "last_checked_at", "warnings")
)
