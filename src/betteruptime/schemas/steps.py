"""The `steps` of a multi-step API check (`kind: multistep`).

Each step's own rules are checked here (its URL with variables standing in, where each
extract reads from); that every variable a step uses is extracted by an earlier step is
checked by domain.monitor_kinds on the whole list. A step is stored as its model dumps
it, with a plain `extract` source written as a string, so a file or a form saved
unchanged compares equal.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core.core_schema import SerializerFunctionWrapHandler

from betteruptime.domain.multistep import (
    MAX_STEPS,
    MAX_VARIABLES,
    VARIABLE_NAME,
    extract_source_problem,
    with_stand_ins,
)
from betteruptime.domain.targets import split_target
from betteruptime.schemas.assertions import Assertions
from betteruptime.schemas.base import RequestModel
from betteruptime.schemas.monitor_fields import (
    Body,
    ExpectedStatus,
    Headers,
    HttpMethod,
    check_url,
)
from betteruptime.schemas.text import LINE, PropertyNames, pattern


def _step_url(url: str) -> str:
    """An http(s) URL once each {{variable}} stands for a plain word."""
    plain = with_stand_ins(url)
    if split_target(plain).scheme not in ("http", "https"):
        raise ValueError("a step's URL must be http:// or https://, as in https://api.example.com/")
    check_url(plain)
    return url


def _plain_source(value: object) -> object:
    """`"$.token"` is short for `{"from": "$.token"}`."""
    return {"from": value} if isinstance(value, str) else value


def _source(value: str) -> str:
    problem = extract_source_problem(value)
    if problem:
        raise ValueError(problem)
    return value


StepName = Annotated[str, Field(min_length=1, max_length=100), LINE]
StepUrl = Annotated[
    str,
    Field(
        max_length=2048,
        description="http(s)://…; {{name}} stands for a variable an earlier step extracted.",
    ),
    LINE,
    AfterValidator(_step_url),
    pattern(r"^[Hh][Tt][Tt][Pp][Ss]?://"),
]
ExtractSource = Annotated[
    str,
    Field(
        min_length=1,
        max_length=500,
        description="A JSON path of the response body ($.token) or header:Name.",
    ),
    LINE,
    AfterValidator(_source),
]
VariableName = Annotated[str, Field(max_length=64), pattern(VARIABLE_NAME)]


class ExtractRule(RequestModel):
    """Where a variable comes from, and whether it is a secret (masked in every result)."""

    source: ExtractSource = Field(alias="from")
    secret: bool = False

    model_config = RequestModel.model_config | {"populate_by_name": True}


class StepRow(RequestModel):
    """One request of a multi-step check; see the README's Multi-step checks section."""

    name: StepName
    method: HttpMethod = "GET"
    url: StepUrl
    headers: Headers = Field(default_factory=dict)
    body: Body | None = None
    expected_status: ExpectedStatus = Field(default_factory=lambda: ["200-299"])
    assertions: Assertions = Field(default_factory=list)
    extract: Annotated[
        dict[VariableName, Annotated[ExtractRule, BeforeValidator(_plain_source)]],
        Field(
            max_length=MAX_VARIABLES,
            description='Variables from this step\'s answer: {"token": "$.token"}, '
            '{"etag": "header:ETag"}, or {"token": {"from": "$.token", "secret": true}}.',
        ),
        PropertyNames(VARIABLE_NAME, max_length=64),
    ] = Field(default_factory=dict)

    @field_validator("extract", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        if isinstance(value, dict):
            bad = [name for name in value if not re.fullmatch(VARIABLE_NAME, str(name))]
            if bad:
                raise ValueError(
                    f'"{str(bad[0])[:40]}" is not a variable name (letters, digits, _; '
                    "not starting with a digit)"
                )
        return value

    @model_validator(mode="after")
    def _no_certificate(self) -> Self:
        if any(row.source == "certificate_days" for row in self.assertions):
            raise ValueError("a step's assertions read its response: certificate_days is not one")
        return self

    @model_serializer(mode="wrap")
    def _stored(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("body") is None:
            data.pop("body", None)
        data["extract"] = {
            name: _stored_rule(rule) for name, rule in data.get("extract", {}).items()
        }
        return data


def _stored_rule(rule: dict[str, Any]) -> str | dict[str, Any]:
    source = rule.get("from", rule.get("source"))
    return {"from": source, "secret": True} if rule.get("secret") else str(source)


Steps = Annotated[
    list[StepRow],
    Field(
        max_length=MAX_STEPS,
        description="multistep: the requests of one check, in order (1 to 10); a later "
        "step's url, headers and body may use {{name}} for a variable an earlier one "
        "extracted.",
    ),
]
