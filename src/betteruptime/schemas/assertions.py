"""A monitor's `assertions`: rows of `{source, property, comparison, target}`.

Each row is checked on its own when saved (domain.assertion_language says what is
wrong), so an error names the row (`assertions[2]: equals needs a target`). Which
sources a monitor's kind may use needs the kind, and is checked by
domain.monitor_kinds. Rows are stored without the keys they leave empty, so a file
exported and applied again, or a form saved unchanged, compares equal.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Self

from pydantic import BeforeValidator, Field, WithJsonSchema, model_serializer, model_validator
from pydantic_core.core_schema import SerializerFunctionWrapHandler

from betteruptime.domain.assertion_language import (
    MAX_TARGET,
    assertion_problems,
)
from betteruptime.domain.messages import Assertion, AssertionSource, Comparison
from betteruptime.schemas.base import RequestModel
from betteruptime.schemas.monitor_fields import HEADER_NAME
from betteruptime.schemas.text import LINE, TEXT

MAX_ASSERTIONS = 20
MAX_PROPERTY = 500
_HEADER_NAME = re.compile(HEADER_NAME)


def _as_text(value: object) -> object:
    """200 and true are taken as "200" and "true": a target is stored as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    return value


Target = Annotated[
    str,
    BeforeValidator(_as_text),
    Field(max_length=MAX_TARGET),
    TEXT,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "maxLength": MAX_TARGET, "pattern": r"^[^\u0000]*$"},
                {"type": "number"},
                {"type": "boolean"},
            ],
            "description": "What the value is compared with; numbers and booleans are "
            'stored as text (200 as "200"). None for exists, not_exists and is_empty.',
        }
    ),
]
Property = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_PROPERTY,
        description="header: the header's name (any case); json_body: a JSON path such "
        "as $.items[0].state or $.items.length. None for the other sources.",
    ),
    LINE,
]


class AssertionRow(RequestModel):
    """One condition a response must meet; see the README's Assertions section."""

    source: AssertionSource
    property: Property | None = None
    comparison: Comparison
    target: Target | None = None

    @model_validator(mode="after")
    def _meaningful(self) -> Self:
        problems = assertion_problems(self.domain())
        if self.source == "header" and self.property and not _HEADER_NAME.fullmatch(self.property):
            problems.append(f'"{self.property[:40]}" is not a valid header name')
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_serializer(mode="wrap")
    def _without_empty_keys(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {key: value for key, value in handler(self).items() if value is not None}

    def domain(self) -> Assertion:
        return Assertion(
            source=self.source,
            property=self.property,
            comparison=self.comparison,
            target=self.target,
        )


Assertions = Annotated[
    list[AssertionRow],
    Field(
        max_length=MAX_ASSERTIONS,
        description="Conditions on the response, each judged on its own; every failed "
        "one is named in the check's error. http, keyword and json: any source; tls: "
        "certificate_days only.",
    ),
]
