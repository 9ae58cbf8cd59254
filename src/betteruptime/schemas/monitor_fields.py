"""The field types of monitor bodies, each with the rules that need nothing but its
own value, so an error names the exact field (`headers.X-Foo`, `expected_status[1]`)."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    WithJsonSchema,
)

from betteruptime.domain.assertions import parse_status_pattern, validate_json_path
from betteruptime.domain.messages import MonitorKind
from betteruptime.domain.names import validate_region
from betteruptime.domain.targets import SCHEMES, split_target
from betteruptime.schemas.text import LINE, TEXT

SupportedKind = Literal["http", "keyword", "json", "tcp", "dns", "ping", "tls", "heartbeat"]
Method = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
KeywordMode = Literal["present", "absent"]
MonitorStatus = Literal["pending", "up", "degraded", "down", "paused"]
URL_SCHEMES = frozenset(scheme for schemes in SCHEMES.values() for scheme in schemes)

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
    target = split_target(url)
    if target.scheme not in URL_SCHEMES:
        raise ValueError(
            "must be an http(s)://, tcp://, dns:// or icmp:// URL, as in https://example.com/"
        )
    if not target.host:
        raise ValueError("must include a host name, as in https://example.com/")
    if not target.port_valid:
        raise ValueError("has an invalid port number")
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


Name = Annotated[str, Field(min_length=1, max_length=200), LINE]
Kind = Annotated[
    SupportedKind,
    BeforeValidator(_kind),
    Field(
        description="What is checked: `http`, `keyword`, `json`, `tls` (https:// URL), "
        "`tcp` (tcp://host:port), `dns` (dns://name), `ping` (icmp://host), or "
        "`heartbeat` (no URL: it is pinged at its `ping_url`)."
    ),
]
Url = Annotated[
    str,
    Field(
        max_length=2048,
        description="What to check; its scheme must fit the kind (see `kind`). "
        "Null for a heartbeat.",
    ),
    LINE,
    AfterValidator(_url),
]
HttpMethod = Annotated[Method, BeforeValidator(_upper)]
HeaderName = Annotated[str, Field(max_length=256), AfterValidator(_header_name)]
HeaderValue = Annotated[str, Field(max_length=4096), AfterValidator(_header_value)]
Headers = Annotated[dict[HeaderName, HeaderValue], Field(max_length=50)]
Body = Annotated[str, TEXT, AfterValidator(_body_size), Field(description="At most 64 KiB.")]
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
Keyword = Annotated[str, Field(min_length=1, max_length=1000), TEXT]
JsonPath = Annotated[str, Field(max_length=500), TEXT, AfterValidator(validate_json_path)]
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
