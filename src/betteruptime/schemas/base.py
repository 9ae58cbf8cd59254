"""What every request body shares: `RequestModel`."""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    GetJsonSchemaHandler,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from betteruptime.schemas.text import NUL_MESSAGE, has_nul
from betteruptime.schemas.updates import not_null_fields


class RequestModel(BaseModel):
    """The base of every request body: unknown fields are refused, a string is never
    read as a number or a boolean, and no value holds a NUL (see schemas/text.py).

    Its JSON Schema says what a PATCH body refuses too: a field that may be left out but
    not sent as null (`not_null`) is not nullable there.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _integral_numbers_are_integers(cls, data: Any) -> Any:
        # JSON Schema calls 3.0 an integer, as the OpenAPI document says `integer`;
        # strict pydantic would refuse it. A float field takes the int just as well.
        if not isinstance(data, dict):
            return data
        return {
            key: value if _takes_any(cls, key) else _integral(value) for key, value in data.items()
        }

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_anywhere(cls, value: Any) -> Any:
        # After each field's own rules, which name the exact place (`headers.X-Foo`):
        # this catches what no type rule covers (any JSON value, a dict's keys).
        if has_nul(value):
            raise ValueError(NUL_MESSAGE)
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        properties = handler.resolve_ref_schema(json_schema).get("properties", {})
        for name in not_null_fields(cls):
            if name in properties:
                properties[name] = _without_null(properties[name])
        return json_schema


def _takes_any(model: type[BaseModel], name: object) -> bool:
    field = model.model_fields.get(name) if isinstance(name, str) else None
    return field is not None and field.annotation is Any


def _integral(value: Any) -> Any:
    """`value` with every float that has no fraction (deep in lists and dicts) an int."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(item) for item in value]
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    return value


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    """`X | None = None` as the schema of an optional, non-nullable X."""
    branches = [b for b in prop.get("anyOf", []) if b != {"type": "null"}]
    if len(branches) != 1:
        return {key: value for key, value in prop.items() if key != "default"}
    rest = {key: value for key, value in prop.items() if key not in ("anyOf", "default")}
    return {**branches[0], **rest}
