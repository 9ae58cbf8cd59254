"""What every PATCH body shares: a field may be left out, but not sent as null when the
object must always have a value for it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator


def _refuse_null(value: object) -> object:
    if value is None:
        raise ValueError("may not be null; leave the field out to keep its value")
    return value


def not_null(*fields: str) -> Any:
    """A validator to assign in a model's body: `_not_null = not_null("name", ...)`."""
    return field_validator(*fields, mode="before")(_refuse_null)


def not_null_fields(model: type[BaseModel]) -> set[str]:
    """The fields a model's `not_null` validators refuse null for."""
    fields: set[str] = set()
    for decorator in model.__pydantic_decorators__.field_validators.values():
        if getattr(decorator.func, "__func__", decorator.func) is _refuse_null:
            fields.update(decorator.info.fields)
    return fields
