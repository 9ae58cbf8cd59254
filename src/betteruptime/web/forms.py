"""What the dashboard's forms share: reading text fields, and turning the API's
validation errors into one message per form field.

The forms are checked by the API's own body models and services, so they accept and
refuse exactly what the API does; only the way errors are shown differs.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from starlette.datastructures import FormData

from betteruptime.api.errors import ErrorDetail, validation_details

Errors = dict[str, str]
GENERAL = "form"  # the key of an error no single field is to blame for
_BASE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*")


def text(form: FormData, name: str) -> str:
    """A text field's value; "" when missing or a file."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    """Every value of a repeated field (checkboxes), files left out."""
    return [value for value in form.getlist(name) if isinstance(value, str)]


def _message(path: str, base: str, message: str) -> str:
    """The message, saying which entry of a list (and which part of it: a browser step's
    `fill.value`) or which header name it is about."""
    rest = path[len(base) :]
    index = re.match(r"^\[(\d+)\]", rest)
    if index:
        part = rest[index.end() :].lstrip(".")
        return f"entry {int(index.group(1)) + 1}: {part + ': ' if part else ''}{message}"
    if rest.startswith("."):
        return f"{rest[1:]}: {message}"
    return message


def field_errors(
    details: Iterable[ErrorDetail],
    *,
    fields: Collection[str],
    aliases: dict[str, str] | None = None,
) -> Errors:
    """One message per form field, the first one for each; an error about a field the
    form does not have (or about the whole body) goes under GENERAL."""
    errors: Errors = {}
    for detail in details:
        found = _BASE.match(detail.field)
        base = found.group(0) if found else ""
        name = (aliases or {}).get(base, base)
        if name in fields:
            errors.setdefault(name, _message(detail.field, base, detail.message))
        elif detail.field in ("", "body"):
            errors.setdefault(GENERAL, detail.message)
        else:
            errors.setdefault(GENERAL, f"{detail.field}: {detail.message}")
    return errors


def pydantic_errors(
    errors: Sequence[Any], *, fields: Collection[str], aliases: dict[str, str] | None = None
) -> Errors:
    """A pydantic ValidationError's `errors()` in the API's words, by form field."""
    return field_errors(validation_details(errors), fields=fields, aliases=aliases)
