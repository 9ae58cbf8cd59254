"""Channel bodies. The URL goes in whole and only ever comes back masked."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from betteruptime.alerting.urls import MAX_URL_LENGTH, mask_url
from betteruptime.db.models import Channel

ChannelName = Annotated[str, Field(min_length=1, max_length=100)]
AppriseUrl = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        description="An Apprise URL, such as `mailto://user:pass@example.com`, "
        "`slack://TokenA/TokenB/TokenC/#channel` or `json://example.com/hook`. "
        "Checked with Apprise before it is saved; returned with its secrets masked.",
    ),
]


class ChannelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: ChannelName
    url: AppriseUrl


class ChannelTestResult(BaseModel):
    delivered: bool = Field(description="Whether the service accepted the test message.")
    error: str | None = Field(description="Why not, in the service's words (secrets masked).")


class ChannelPublic(BaseModel):
    id: int
    name: str
    url: str = Field(description="The Apprise URL with passwords, tokens and keys masked.")
    created_at: datetime

    @classmethod
    def from_row(cls, channel: Channel) -> ChannelPublic:
        return cls(
            id=channel.id,
            name=channel.name,
            url=mask_url(channel.url),
            created_at=channel.created_at,
        )
