"""The steps of a browser check (`kind: "browser"`), one type per action, and the
monitor's `steps` field, which holds either a browser check's actions or a multi-step
API check's requests (schemas/steps.py).

`action` tells a browser check's steps apart, so an error names the step and the action
it was read as (`steps[2].click.selector`). What the actions do is in `domain.browser`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    GetJsonSchemaHandler,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_serializer,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from betteruptime.domain.browser import MAX_STEPS
from betteruptime.schemas.base import RequestModel
from betteruptime.schemas.steps import Steps
from betteruptime.schemas.text import LINE, TEXT, Rule

# An http(s) URL with a host, or a path on the current page's site ("/cart", not "//x"):
# printable ASCII without blanks, as a browser's address bar sends it.
GOTO_PATTERN = (
    r"^(?:[hH][tT][tT][pP][sS]?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?"
    r"(?:[/?#][!-~]*)?|/(?:[!-.0-~][!-~]*)?)$"
)
_GOTO = re.compile(GOTO_PATTERN)
# A key as Playwright names it: "Enter", "Tab", "a", "Control+A", "Shift+ArrowDown".
KEY_PATTERN = r"^[!-~]{1,40}$"
_KEY = re.compile(KEY_PATTERN)


def _goto(value: str) -> str:
    if not _GOTO.fullmatch(value):
        raise ValueError("must be an http(s):// URL or a path beginning with /, as in /cart")
    return value


def _key(value: str) -> str:
    if not _KEY.fullmatch(value):
        raise ValueError('must be a key name such as "Enter", "Tab", "a" or "Control+A"')
    return value


Selector = Annotated[
    str,
    Field(
        min_length=1,
        max_length=500,
        description='A Playwright selector: CSS ("#buy", "button.primary"), '
        '"text=Add to cart", "role=button[name=\\"Buy\\"]".',
    ),
    LINE,
]
GotoUrl = Annotated[str, Field(min_length=1, max_length=2048), Rule(_goto, GOTO_PATTERN)]
FillValue = Annotated[
    str, Field(max_length=1000, description="Typed into the field; never in errors."), TEXT
]
KeyName = Annotated[str, Rule(_key, KEY_PATTERN)]
ExpectedText = Annotated[str, Field(min_length=1, max_length=1000), TEXT]
UrlPattern = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2048,
        description="The page's URL must contain this; `*` stands for any run of characters.",
    ),
    LINE,
]


class _Step(RequestModel):
    @model_serializer(mode="wrap")
    def _without_unset_options(self, handler: SerializerFunctionWrapHandler) -> Any:
        # An optional field left out stays out: the stored step is what was written.
        return {name: value for name, value in handler(self).items() if value is not None}


class GotoStep(_Step):
    action: Literal["goto"]
    url: GotoUrl


class ClickStep(_Step):
    action: Literal["click"]
    selector: Selector


class FillStep(_Step):
    action: Literal["fill"]
    selector: Selector
    value: FillValue


class PressStep(_Step):
    action: Literal["press"]
    key: KeyName


class WaitForStep(_Step):
    action: Literal["wait_for"]
    selector: Selector


class ExpectTextStep(_Step):
    action: Literal["expect_text"]
    selector: Selector | None = Field(None, description="Default: the whole page.")
    text: ExpectedText


class ExpectUrlStep(_Step):
    action: Literal["expect_url"]
    pattern: UrlPattern


BrowserStep = Annotated[
    GotoStep | ClickStep | FillStep | PressStep | WaitForStep | ExpectTextStep | ExpectUrlStep,
    Field(discriminator="action"),
]
BrowserSteps = Annotated[
    list[BrowserStep],
    Field(
        max_length=MAX_STEPS,
        description="browser: what to do after opening `url`, in order (1 to 20 steps; "
        "none for every other kind): "
        "goto {url}, click {selector}, fill {selector, value}, press {key}, "
        "wait_for {selector}, expect_text {selector?, text}, expect_url {pattern}.",
    ),
]

_BROWSER_STEPS: TypeAdapter[list[Any]] = TypeAdapter(BrowserSteps)
_REQUEST_STEPS: TypeAdapter[list[Any]] = TypeAdapter(Steps)
_EITHER: TypeAdapter[Any] = TypeAdapter(Steps | BrowserSteps)


def is_browser_step(step: object) -> bool:
    """Whether a step is a browser check's (it has an `action`), not an API request."""
    if isinstance(step, _Step):
        return True
    return isinstance(step, dict) and "action" in step


def _by_their_kind(value: Any, _handler: ValidatorFunctionWrapHandler) -> Any:
    """Steps with an `action` are a browser check's, the others a multi-step check's:
    each list is read as one or the other, so its errors are that kind's own
    (`steps[1].fill.value`, `steps[0].name`). That the kind of steps fits the monitor's
    kind is checked in domain.monitor_kinds."""
    if isinstance(value, list) and any(is_browser_step(step) for step in value):
        return _BROWSER_STEPS.validate_python(value)
    return _REQUEST_STEPS.validate_python(value)


class _EitherSchema:
    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(_EITHER.core_schema)


MonitorSteps = Annotated[list[Any], WrapValidator(_by_their_kind), _EitherSchema()]
