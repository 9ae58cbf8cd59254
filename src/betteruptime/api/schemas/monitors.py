"""Monitor bodies.

Field rules that need nothing but the value live here, so errors name the exact field
(`headers.X-Foo`, `expected_status[1]`). Rules that need the server's settings or other
fields (minimum interval, timeout below interval, what a kind requires) are checked by
`services.monitors` against the merged result, for PATCH as well as POST.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Any, Literal, Self, get_args
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from betteruptime.api.schemas.links import (
    ChannelIds,
    ChannelRule,
    ChannelRules,
    RemindEvery,
    check_link_fields,
    rules_from,
)
from betteruptime.db.models import Monitor, MonitorState
from betteruptime.domain.assertions import parse_status_pattern, validate_json_path
from betteruptime.domain.messages import MonitorKind
from betteruptime.domain.names import validate_region

SupportedKind = Literal["http", "keyword", "json"]
Method = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
KeywordMode = Literal["present", "absent"]
MonitorStatus = Literal["pending", "up", "down", "paused"]

MAX_INTERVAL_SECONDS = 86400
MAX_BODY_BYTES = 64 * 1024
MAX_JSON_EXPECTED_BYTES = 64 * 1024
# RFC 9110 token characters: anything else cannot be sent as a header name.
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def _kind(value: object) -> object:
    # Kinds of the design that have no probe yet get their own message, not "unknown".
    supported = get_args(SupportedKind)
    if isinstance(value, str) and value in get_args(MonitorKind) and value not in supported:
        raise ValueError(
            f'kind "{value}" is not supported yet; supported kinds: {", ".join(supported)}'
        )
    return value


def _url(value: str) -> str:
    url = value.strip()
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValueError("a URL may not contain spaces or control characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("must be an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError("must include a host name, as in https://example.com/")
    try:
        parts.port  # noqa: B018 - evaluated for the ValueError it raises on a bad port
    except ValueError:
        raise ValueError("has an invalid port number") from None
    return url


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def _header_name(value: str) -> str:
    if not _HEADER_NAME.match(value):
        raise ValueError(f'"{value[:40]}" is not a valid header name')
    return value


def _header_value(value: str) -> str:
    if any(ch in value for ch in "\r\n\0"):
        raise ValueError("a header value may not contain line breaks or NUL characters")
    return value


def _body_size(value: str) -> str:
    if len(value.encode("utf-8")) > MAX_BODY_BYTES:
        raise ValueError(f"a request body has at most {MAX_BODY_BYTES // 1024} KiB")
    return value


def _status_text(value: object) -> object:
    # Accept 200 as well as "200"; bool is an int in Python but never a status code.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _status_pattern(value: str) -> str:
    parse_status_pattern(value)
    return value.strip().lower()


def _unique(values: list[str]) -> list[str]:
    duplicates = sorted({v for v in values if values.count(v) > 1})
    if duplicates:
        raise ValueError(f"regions must be unique; repeated: {', '.join(duplicates)}")
    return values


def _plain_json(value: Any) -> Any:
    try:
        text = json.dumps(value, allow_nan=False)
    except ValueError:
        raise ValueError("must be plain JSON (NaN and Infinity are not JSON)") from None
    if len(text.encode("utf-8")) > MAX_JSON_EXPECTED_BYTES:
        raise ValueError(f"at most {MAX_JSON_EXPECTED_BYTES // 1024} KiB of JSON")
    return value


Name = Annotated[str, Field(min_length=1, max_length=200)]
Kind = Annotated[
    SupportedKind,
    BeforeValidator(_kind),
    Field(description="What is checked. `http`, `keyword` and `json` for now."),
]
Url = Annotated[
    str,
    Field(max_length=2048, description="An http:// or https:// URL with a host."),
    AfterValidator(_url),
]
HttpMethod = Annotated[Method, BeforeValidator(_upper)]
HeaderName = Annotated[str, Field(max_length=256), AfterValidator(_header_name)]
HeaderValue = Annotated[str, Field(max_length=4096), AfterValidator(_header_value)]
Headers = Annotated[dict[HeaderName, HeaderValue], Field(max_length=50)]
Body = Annotated[str, AfterValidator(_body_size), Field(description="At most 64 KiB.")]
Interval = Annotated[
    int,
    Field(
        le=MAX_INTERVAL_SECONDS,
        description="Seconds between checks: at least the server's minimum interval "
        "(BETTERUPTIME_MIN_INTERVAL, 10 by default), at most 86400. "
        "Default 60, or the minimum if that is higher.",
    ),
]
Timeout = Annotated[
    float,
    Field(
        gt=0,
        allow_inf_nan=False,
        description="Seconds a check may take; strictly below interval_seconds. "
        "Default: half the interval, at most 10.",
    ),
]
Region = Annotated[str, AfterValidator(validate_region)]
Regions = Annotated[
    list[Region],
    Field(min_length=1, max_length=16, description="Where checks run. Default: the server's."),
    AfterValidator(_unique),
]
StatusPattern = Annotated[
    str,
    BeforeValidator(_status_text),
    AfterValidator(_status_pattern),
    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "string"}]}),
]
ExpectedStatus = Annotated[
    list[StatusPattern],
    Field(
        max_length=50,
        description='Codes ("200" or 200), classes ("2xx") or ranges ("200-299"); '
        "stored as strings. An empty list accepts any status.",
    ),
]
Keyword = Annotated[str, Field(min_length=1, max_length=1000)]
JsonPath = Annotated[str, Field(max_length=500), AfterValidator(validate_json_path)]
JsonExpected = Annotated[Any, AfterValidator(_plain_json)]
MaxResponseTime = Annotated[int, Field(ge=1, le=600_000)]
Threshold = Annotated[int, Field(ge=1, le=100)]
MinFailedRegions = Annotated[
    int,
    Field(
        ge=1,
        le=16,
        description="Regions that must report a failure for a check to count as failing; "
        "at most the number of regions. Default (null): a majority of them.",
    ),
]
# Strict: a string is not silently read as a number or a boolean.
_CONFIG = ConfigDict(extra="forbid", strict=True)


class MonitorCreate(BaseModel):
    """A new monitor. Fields left out take the defaults described on each."""

    model_config = _CONFIG

    name: Name
    kind: Kind = "http"
    url: Url
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
    min_failed_regions: MinFailedRegions | None = None
    failure_threshold: Threshold = 3
    recovery_threshold: Threshold = 2
    remind_every_minutes: RemindEvery | None = None
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
    "url",
    "method",
    "headers",
    "follow_redirects",
    "verify_tls",
    "interval_seconds",
    "timeout_seconds",
    "regions",
    "expected_status",
    "keyword_mode",
    "failure_threshold",
    "recovery_threshold",
    "channel_ids",
    "channel_rules",
)


class MonitorUpdate(BaseModel):
    """A partial change: only the fields sent are changed; null clears optional ones."""

    model_config = _CONFIG

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
    min_failed_regions: MinFailedRegions | None = None
    failure_threshold: Threshold | None = None
    recovery_threshold: Threshold | None = None
    remind_every_minutes: RemindEvery | None = None
    channel_ids: ChannelIds | None = None
    channel_rules: ChannelRules | None = None

    @model_validator(mode="after")
    def _links(self) -> Self:
        return check_link_fields(self)

    def rules(self) -> list[ChannelRule] | None:
        """The new links, or None when the body leaves them as they are."""
        return rules_from(self.channel_ids, self.channel_rules)

    @field_validator(*_REQUIRED_ON_UPDATE, mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null; leave the field out to keep its value")
        return value


class MonitorPublic(BaseModel):
    id: int
    name: str
    kind: str
    url: str
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
    min_failed_regions: int | None
    failure_threshold: int
    recovery_threshold: int
    remind_every_minutes: int | None
    channel_ids: list[int] = Field(description="Ids of the linked channels, ascending.")
    channel_rules: list[ChannelRule] = Field(description="The links with their rules.")
    status: MonitorStatus = Field(description="`paused` while paused, else what checks decided.")
    last_checked_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(
        cls, monitor: Monitor, state: MonitorState | None, channel_rules: list[ChannelRule]
    ) -> MonitorPublic:
        status = "paused" if monitor.paused else (state.status if state else "pending")
        rules = sorted(channel_rules, key=lambda rule: rule.channel_id)
        return cls(
            **{name: getattr(monitor, name) for name in _MONITOR_COLUMNS},
            channel_ids=[rule.channel_id for rule in rules],
            channel_rules=rules,
            status=status,
            last_checked_at=state.last_checked_at if state else None,
        )


_MONITOR_COLUMNS = tuple(
    name
    for name in MonitorPublic.model_fields
    if name not in ("channel_ids", "channel_rules", "status", "last_checked_at")
)
