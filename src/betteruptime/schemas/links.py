"""How a monitor names its channels: plain `channel_ids`, or `channel_rules` saying
which events each channel gets and after what delay (escalation)."""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from betteruptime.alerting.rules import DEFAULT_EVENTS, EVENT_TYPES, MAX_DELAY_MINUTES
from betteruptime.domain.messages import EventType
from betteruptime.schemas.base import RequestModel

MAX_CHANNELS = 100
M = TypeVar("M", bound=BaseModel)
MAX_REMIND_MINUTES = 7 * 24 * 60

ChannelId = Annotated[int, Field(ge=1, le=2**31 - 1)]
ChannelIds = Annotated[
    list[ChannelId],
    Field(
        max_length=MAX_CHANNELS,
        description="Ids of your channels (`GET /api/v1/channels`) that hear about this "
        "monitor, of every event at once. On PATCH the list sent replaces the current "
        "links; [] unlinks all. Use `channel_rules` instead for per-channel rules.",
    ),
]
RemindEvery = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_REMIND_MINUTES,
        description="While an incident is open and unacknowledged, remind the channels "
        "this often (minutes). Null (the default): no reminders.",
    ),
]


class ChannelRule(RequestModel):
    """One channel of a monitor: which events it gets, and after what delay.

    A delay makes it an escalation: the down message goes out only if the incident is
    still open and unacknowledged once the delay is over (for example SMS after 5
    minutes); that channel then also hears the incident's later events.
    """

    model_config = ConfigDict(frozen=True)

    channel_id: ChannelId
    events: list[EventType] = Field(
        default_factory=lambda: list(DEFAULT_EVENTS),
        min_length=1,
        description="Of down, up, reminder, acknowledged and degraded (up but slower "
        "than the monitor's degraded_after_ms); default: all but degraded.",
    )
    delay_minutes: int = Field(0, ge=0, le=MAX_DELAY_MINUTES)

    @field_validator("events")
    @classmethod
    def _distinct(cls, events: list[EventType]) -> list[EventType]:
        return [event for event in EVENT_TYPES if event in events]


ChannelRules = Annotated[
    list[ChannelRule],
    Field(
        max_length=MAX_CHANNELS,
        description="The monitor's channels with their rules; replaces `channel_ids` when "
        "rules are needed. On PATCH the list sent replaces the current links.",
    ),
]


def rules_from(
    channel_ids: list[int] | None, channel_rules: list[ChannelRule] | None
) -> list[ChannelRule] | None:
    """The links a body asks for: from `channel_rules`, or `channel_ids` with the default
    rule; None when it sent neither."""
    if channel_rules is not None:
        return channel_rules
    if channel_ids is not None:
        return [ChannelRule(channel_id=channel_id) for channel_id in dict.fromkeys(channel_ids)]
    return None


def check_link_fields(model: M) -> M:
    """A body links channels one way or the other, each channel once."""
    fields = model.model_fields_set
    if "channel_ids" in fields and "channel_rules" in fields:
        raise ValueError("send channel_ids or channel_rules, not both")
    rules: list[ChannelRule] | None = getattr(model, "channel_rules", None)
    if rules is not None:
        ids = [rule.channel_id for rule in rules]
        if len(set(ids)) != len(ids):
            raise ValueError("channel_rules names a channel more than once")
    return model
