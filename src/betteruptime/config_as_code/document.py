"""The YAML file: its schema and how it is read.

A monitor takes exactly the fields of the API's monitor body (MonitorCreate, the same
types and rules), except that channels are named rather than numbered, and `paused` may
be given. Channels take the API's channel body. Every error names the path of the bad
field (`monitors[2].interval_seconds: …`), counting from 0 as in the API's errors::

    version: 1
    channels:
      - name: ops-slack
        url: slack://TokenA/TokenB/TokenC/#alerts
    monitors:
      - name: api
        url: https://api.example.com/health
        channels: [ops-slack, {channel: oncall-sms, events: [down], delay_minutes: 5}]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from betteruptime.alerting.rules import DEFAULT_EVENTS, EVENT_TYPES, MAX_DELAY_MINUTES
from betteruptime.alerting.urls import validate_apprise_url
from betteruptime.domain.messages import EventType
from betteruptime.schemas.channels import ChannelCreate, ChannelName
from betteruptime.schemas.field_paths import field_path
from betteruptime.schemas.links import MAX_CHANNELS
from betteruptime.schemas.monitors import MonitorCreate

# The API's ways of linking channels by id; a file links them by name instead.
ID_LINK_FIELDS = ("channel_ids", "channel_rules")
# The monitor's own settings: what a file and the database are compared on.
MONITOR_FIELDS = tuple(name for name in MonitorCreate.model_fields if name not in ID_LINK_FIELDS)
_MESSAGE_PREFIXES = ("Value error, ", "Assertion failed, ")


class ConfigError(Exception):
    """The file cannot be applied (or the data exported); one line per problem, each
    starting with the path of the field it is about."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class ChannelLink(BaseModel):
    """A monitor's channel, by name, with the same rules as the API's `channel_rules`."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    channel: ChannelName
    events: list[EventType] = Field(default_factory=lambda: list(DEFAULT_EVENTS), min_length=1)
    delay_minutes: int = Field(0, ge=0, le=MAX_DELAY_MINUTES)

    @field_validator("events")
    @classmethod
    def _in_canonical_order(cls, events: list[EventType]) -> list[EventType]:
        # One spelling per set of events, so a file and the database compare equal.
        return [event for event in EVENT_TYPES if event in events]


def _name_alone(value: object) -> object:
    """`ops-slack` is short for `{channel: ops-slack}` (every default event, no delay)."""
    return {"channel": value} if isinstance(value, str) else value


LinkEntry = Annotated[ChannelLink, BeforeValidator(_name_alone)]


class MonitorSpec(MonitorCreate):
    """A monitor of the file: the API's body, channels by name, and `paused`."""

    channels: list[LinkEntry] = Field(default_factory=list, max_length=MAX_CHANNELS)
    paused: bool | None = Field(
        None, description="true pauses, false resumes; left out, apply leaves it as it is."
    )

    @model_validator(mode="before")
    @classmethod
    def _links_by_name(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name in ID_LINK_FIELDS:
                if name in data:
                    raise ValueError(
                        f"{name} is not used in a file: name the channels instead, "
                        "as in `channels: [ops-slack]`"
                    )
        return data

    @model_validator(mode="after")
    def _each_channel_once(self) -> Self:
        names = [link.channel for link in self.channels]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"channels names {', '.join(repeated)} more than once")
        return self

    def monitor_values(self) -> dict[str, Any]:
        """The monitor's own settings the file gives; the others take their defaults."""
        return self.model_dump(include=set(MONITOR_FIELDS) & self.model_fields_set)


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    version: Literal[1] = 1
    channels: list[ChannelCreate] = Field(default_factory=list)
    monitors: list[MonitorSpec] = Field(default_factory=list)


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping: PyYAML would silently
    keep the last, so a repeated `interval_seconds` would apply the one not meant."""


def _mapping_without_repeats(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        try:
            repeated = key in seen
            seen.add(key)
        except TypeError:  # an unhashable key: construct_mapping says what is wrong
            continue
        if repeated:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} appears twice in one mapping", key_node.start_mark
            )
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _mapping_without_repeats,
)


def _yaml_problem(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return (
            f"not valid YAML at line {mark.line + 1}, column {mark.column + 1}: "
            f"{error.problem or error.context}"
        )
    return f"not valid YAML: {error}"


def _validation_problem(error: Any) -> str:
    """One pydantic error as `path: message`, worded like the API's errors."""
    message = str(error.get("msg", "is invalid"))
    for prefix in _MESSAGE_PREFIXES:
        message = message.removeprefix(prefix)
    if error.get("type") == "missing":
        message = "this field is required"
    elif error.get("type") == "extra_forbidden":
        message = "unknown field"
    loc = tuple(error.get("loc", ()))
    return f"{field_path(loc)}: {message}" if loc else message


def _repeated_names(kind: str, names: Sequence[str]) -> list[str]:
    first: dict[str, int] = {}
    problems = []
    for index, name in enumerate(names):
        if name in first:
            problems.append(
                f"{kind}[{index}].name: {name!r} is also the name of {kind}[{first[name]}]; "
                "names identify monitors and channels, so each is used once"
            )
        else:
            first[name] = index
    return problems


def _checked_urls(document: Document) -> list[str]:
    """Check each channel URL with Apprise, as the API does, keeping its stored form."""
    problems = []
    for index, channel in enumerate(document.channels):
        try:
            channel.url = validate_apprise_url(channel.url)
        except ValueError as error:
            problems.append(f"channels[{index}].url: {error}")
    return problems


def parse_document(text: str) -> Document:
    """The file's content, checked on its own (not yet against the database or the
    server's settings: that is the plan's job). Raises ConfigError."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: plain data only
    except yaml.YAMLError as error:
        raise ConfigError([_yaml_problem(error)]) from None
    if data is None:
        # Most likely a truncated file: with --prune it would delete everything.
        raise ConfigError(["the file is empty; write `monitors: []` to mean no monitors"])
    if not isinstance(data, dict):
        raise ConfigError(["the file must be a mapping with `channels:` and `monitors:` lists"])
    try:
        document = Document.model_validate(data)
    except ValidationError as error:
        raise ConfigError([_validation_problem(e) for e in error.errors()]) from None
    problems = (
        _repeated_names("channels", [channel.name for channel in document.channels])
        + _repeated_names("monitors", [monitor.name for monitor in document.monitors])
        + _checked_urls(document)
    )
    if problems:
        raise ConfigError(problems)
    return document
