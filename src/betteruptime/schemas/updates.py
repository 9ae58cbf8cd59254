"""What every PATCH body shares: a field may be left out, but not sent as null when the
object must always have a value for it."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator


def _refuse_null(value: object) -> object:
    if value is None:
        raise ValueError("may not be null; leave the field out to keep its value")
    return value


def not_null(*fields: str) -> Any:
    """A validator to assign in a model's body: `_not_null = not_null("name", ...)`."""
    return field_validator(*fields, mode="before")(_refuse_null)
