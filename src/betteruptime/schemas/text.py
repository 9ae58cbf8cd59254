"""Which characters a request's text may hold: the one place that decides it.

Two rules, chosen per field by its type:

- `Text`: anything but NUL (U+0000). PostgreSQL cannot store NUL in text (SQLite can),
  so it is refused everywhere, on both engines alike. Tabs, line breaks and other
  characters stay: an HTTP body, a keyword, `tcp_send: "PING\\r\\n"` or a DNS TXT value
  may need them.
- `Line`: what a person types on one line (names, titles, emails, token labels, codes):
  no control character at all (Unicode category Cc: C0 U+0000-U+001F, DEL U+007F and
  C1 U+0080-U+009F). They are invisible, break logs and e-mail headers, and are never
  meant.

`RequestModel`, the base of every request body, refuses NUL in any value it is given,
however deep (a JSON value, a dict key), so a field typed without `Text` or `Line` cannot
let one through. URLs and dashboard forms are guarded by `api.inputs.NulGuard`. Both
types publish their rule as a JSON Schema `pattern`, so the OpenAPI document says what
the API accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

NUL = "\x00"
# ECMA-262 patterns (what OpenAPI uses), equivalent to the checks below.
NO_NUL_PATTERN = r"^[^\u0000]*$"
NO_CONTROL_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f]*$"
NUL_MESSAGE = "may not contain NUL characters (\\u0000)"
CONTROL_MESSAGE = "may not contain control characters (such as line breaks, tabs or NUL)"


def is_control(character: str) -> bool:
    """C0, DEL or C1: Unicode's control characters (category Cc)."""
    code = ord(character)
    return code < 0x20 or 0x7F <= code <= 0x9F


def has_nul(value: Any) -> bool:
    """Whether any string in a JSON-like value (keys included) holds a NUL."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(has_nul(item) for item in value)
    return False


def no_nul(value: str) -> str:
    if NUL in value:
        raise ValueError(NUL_MESSAGE)
    return value


def no_control(value: str) -> str:
    if any(is_control(character) for character in value):
        raise ValueError(CONTROL_MESSAGE)
    return value


@dataclass(frozen=True, slots=True)
class _Rule:
    """A check on a string, published as a JSON Schema `pattern`. Put it after the
    field's length constraints (`Annotated[str, Field(max_length=9), LINE]`), so those
    keep their own messages."""

    check: Callable[[str], str]
    pattern: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        target = handler.resolve_ref_schema(json_schema)
        if "pattern" in target and target["pattern"] != self.pattern:
            target.setdefault("allOf", []).append({"pattern": self.pattern})
        else:
            target["pattern"] = self.pattern
        return json_schema


TEXT = _Rule(no_nul, NO_NUL_PATTERN)
LINE = _Rule(no_control, NO_CONTROL_PATTERN)
Text = Annotated[str, TEXT]
Line = Annotated[str, LINE]


class RequestModel(BaseModel):
    """The base of every request body: unknown fields are refused, a string is never
    read as a number or a boolean, and no value holds a NUL (see the module's doc)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_anywhere(cls, value: Any) -> Any:
        # After each field's own rules, which name the exact place (`headers.X-Foo`):
        # this catches what no type rule covers (any JSON value, a dict's keys).
        if has_nul(value):
            raise ValueError(NUL_MESSAGE)
        return value
