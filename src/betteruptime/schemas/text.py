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

`schemas.base.RequestModel`, the base of every request body, refuses NUL in any value it is given,
however deep (a JSON value, a dict key), so a field typed without `Text` or `Line` cannot
let one through. URLs and dashboard forms are guarded by `api.inputs.NulGuard`. Both
types publish their rule as a JSON Schema `pattern`, so the OpenAPI document says what
the API accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from betteruptime.domain.url_grammar import CONTROL, WHITESPACE

NUL = "\x00"
# ECMA-262 patterns (what OpenAPI uses), equivalent to the checks below.
NO_NUL_PATTERN = r"^[^\u0000]*$"
NO_CONTROL_PATTERN = rf"^[^{CONTROL}]*$"
# What pydantic's strip_whitespace takes away (Unicode White_Space, as Rust's trim):
# Python's str.strip() also strips U+001C-U+001F.
_TRIMMED = WHITESPACE.replace("\\u001c\\u001d\\u001e\\u001f", "")


def stripped_line_pattern(excluded: str = "") -> str:
    """Text that strip_whitespace leaves non-empty and without control characters (nor
    any of `excluded`, characters a class may hold as they are): blanks around, then
    something that is neither blank nor control, and no control inside."""
    other = f"{CONTROL}{excluded}"
    return (
        rf"^[{_TRIMMED}]*[^{_TRIMMED}{other}](?:[^{other}]*[^{_TRIMMED}{other}])?"
        rf"[{_TRIMMED}]*$"
    )


STRIPPED_LINE_PATTERN = stripped_line_pattern()
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
class Rule:
    """A rule on a string, published as a JSON Schema `pattern` equivalent to `check`
    (None: the field's own validator checks it already). Put it after the field's length
    constraints (`Annotated[str, Field(max_length=9), LINE]`), so those keep their own
    messages."""

    check: Callable[[str], str] | None
    pattern: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        inner = handler(source)
        if self.check is None:
            return inner
        return core_schema.no_info_after_validator_function(self.check, inner)

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


@dataclass(frozen=True, slots=True)
class PropertyNames:
    """For a dict whose keys have rules: pydantic publishes them as `patternProperties`,
    which leaves keys that do not match free. This says every key must match `pattern`
    (and be at most `max_length` long)."""

    pattern: str
    max_length: int | None = None

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        target = handler.resolve_ref_schema(json_schema)
        values = list(target.pop("patternProperties", {}).values())
        names: dict[str, Any] = {"type": "string", "pattern": self.pattern}
        if self.max_length is not None:
            names["maxLength"] = self.max_length
        target["propertyNames"] = names
        target["additionalProperties"] = values[0] if values else True
        return json_schema


def pattern(regex: str) -> Rule:
    """Publish `regex` for a field whose validator already enforces exactly that."""
    return Rule(None, regex)


TEXT = Rule(no_nul, NO_NUL_PATTERN)
LINE = Rule(no_control, NO_CONTROL_PATTERN)
Text = Annotated[str, TEXT]
Line = Annotated[str, LINE]
