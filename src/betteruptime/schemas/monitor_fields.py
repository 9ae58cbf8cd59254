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
    GetJsonSchemaHandler,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from typing_extensions import TypeAliasType

from betteruptime.domain.assertions import (
    MAX_STATUS,
    MIN_STATUS,
    parse_status_pattern,
    validate_json_path,
)
from betteruptime.domain.messages import KeywordMode as KeywordMode
from betteruptime.domain.messages import MonitorKind
from betteruptime.domain.names import REGION_PATTERN, validate_region
from betteruptime.domain.tags import (
    MAX_GROUP_LENGTH,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    TAG_SEPARATOR,
    normalised_tags,
    tag_problem,
)
from betteruptime.domain.targets import SCHEMES, split_target
from betteruptime.domain.url_grammar import WHITESPACE, matches, url_pattern
from betteruptime.schemas.text import (
    LINE,
    NO_NUL_PATTERN,
    STRIPPED_LINE_PATTERN,
    TEXT,
    PropertyNames,
    Rule,
    Text,
    no_control,
    pattern,
    stripped_line_pattern,
)

# Every kind a monitor may have: the one list, in domain/messages.py.
SupportedKind = MonitorKind
Method = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
MonitorStatus = Literal["pending", "up", "degraded", "down", "paused"]
URL_SCHEMES = frozenset(scheme for schemes in SCHEMES.values() for scheme in schemes)
URL = url_pattern(*sorted(URL_SCHEMES))

MAX_INTERVAL_SECONDS = 86400
MAX_BODY_BYTES = 64 * 1024
MAX_HEADER_NAME = 256
MAX_JSON_EXPECTED_BYTES = 64 * 1024
# RFC 9110 token characters: anything else cannot be sent as a header name.
HEADER_NAME = r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$"
# Line breaks would end the header; NUL cannot be sent (nor stored).
HEADER_VALUE = r"^[^\r\n\u0000]*$"
_HEADER_NAME = re.compile(HEADER_NAME)
TAG_PATTERN = stripped_line_pattern(TAG_SEPARATOR)
# "200", "2xx" or "200-299", with blanks around: what parse_status_pattern reads (a
# range must also not end before it starts).
_CODE = "[1-5][0-9]{2}"
STATUS_PATTERN = (
    rf"^[{WHITESPACE}]*(?:{_CODE}|[1-5][xX][xX]|{_CODE}[{WHITESPACE}]*-[{WHITESPACE}]*{_CODE})"
    rf"[{WHITESPACE}]*$"
)


def _kind(value: object) -> object:
    # Kinds of the design that have no probe yet get their own message, not "unknown".
    supported = get_args(SupportedKind)
    if isinstance(value, str) and value in get_args(MonitorKind) and value not in supported:
        raise ValueError(
            f'kind "{value}" is not supported yet; supported kinds: {", ".join(supported)}'
        )
    return value


def check_url(url: str) -> str:
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValueError("a URL may not contain spaces or control characters")
    target = split_target(url)
    if target.scheme not in URL_SCHEMES:
        raise ValueError(
            "must be an http(s)://, tcp://, dns://, icmp:// or domain:// URL, "
            "as in https://example.com/"
        )
    if not target.host:
        raise ValueError("must include a host name, as in https://example.com/")
    if not target.port_valid:
        raise ValueError("has an invalid port number")
    if not matches(URL, url):
        raise ValueError("is not a URL, as in https://example.com/")
    return url


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def _header_name(value: str) -> str:
    if not _HEADER_NAME.fullmatch(value):
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


def _tag(value: str) -> str:
    no_control(value)
    problem = tag_problem(value)
    if problem:
        raise ValueError(problem)
    return value


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
        "`tcp` (tcp://host:port), `dns` (dns://name), `ping` (icmp://host), `domain` "
        "(domain://name: the registration's expiry date, over RDAP), "
        "`heartbeat` (no URL: it is pinged at its `ping_url`), `multistep` (no URL: "
        "its `steps` have theirs), or `browser` (the http(s) `url` is the start page, then "
        "its `steps` run in Chromium)."
    ),
]
Url = Annotated[
    str,
    Field(
        max_length=2048,
        description="What to check; its scheme must fit the kind (see `kind`). "
        "Null for a heartbeat and a multistep check.",
    ),
    Rule(no_control, URL),
    AfterValidator(check_url),
]
HttpMethod = Annotated[Method, BeforeValidator(_upper)]
HeaderName = Annotated[
    str, Field(max_length=MAX_HEADER_NAME), AfterValidator(_header_name), pattern(HEADER_NAME)
]
HeaderValue = Annotated[
    str, Field(max_length=4096), AfterValidator(_header_value), pattern(HEADER_VALUE)
]
Headers = Annotated[
    dict[HeaderName, HeaderValue],
    Field(max_length=50),
    PropertyNames(HEADER_NAME, max_length=MAX_HEADER_NAME),
]
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
Region = Annotated[str, AfterValidator(validate_region), pattern(REGION_PATTERN)]
Regions = Annotated[
    list[Region],
    Field(
        min_length=1,
        max_length=16,
        description="Where checks run. Default: the server's.",
        json_schema_extra={"uniqueItems": True},
    ),
    AfterValidator(_unique),
]
StatusPattern = Annotated[
    str,
    BeforeValidator(_status_text),
    AfterValidator(_status_pattern),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": MIN_STATUS, "maximum": MAX_STATUS},
                {"type": "string", "pattern": STATUS_PATTERN},
            ]
        }
    ),
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
# Any JSON value, no string in it holding NUL (RequestModel refuses that): the schema
# only, validation stays with _plain_json.
JsonValue = TypeAliasType(
    "JsonValue",
    "Text | int | float | bool | list[JsonValue] | "
    "Annotated[dict[Text, JsonValue], PropertyNames(NO_NUL_PATTERN)] | None",
)
_JSON_VALUE = TypeAdapter(JsonValue)


class _JsonValueSchema:
    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(_JSON_VALUE.core_schema)


JsonExpected = Annotated[Any, AfterValidator(_plain_json), _JsonValueSchema()]
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
Tag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TAG_LENGTH),
    # Checked once trimmed: blanks around it go; control characters and commas are refused.
    Rule(_tag, TAG_PATTERN),
]
Tags = Annotated[
    list[Tag],
    Field(
        description=f"Labels to find and act on monitors by (`prod`, `team:payments`): "
        f"each trimmed, 1 to {MAX_TAG_LENGTH} characters, no control character or comma; "
        f"case is kept. Stored once each and sorted; at most {MAX_TAGS}.",
        max_length=MAX_TAGS,
    ),
    AfterValidator(normalised_tags),
]
Group = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_GROUP_LENGTH),
    Field(description="The group the overview shows the monitor under; null: none."),
    Rule(no_control, STRIPPED_LINE_PATTERN),
]
