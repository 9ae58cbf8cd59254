"""Channel bodies. The URL goes in whole and only ever comes back masked."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from betteruptime.alerting.urls import MAX_URL_LENGTH, mask_url
from betteruptime.db.models import Channel
from betteruptime.schemas.base import RequestModel
from betteruptime.schemas.text import LINE

PERMANENT = (
    "The service refused it for good (an HTTP 4xx other than 408 and 429, an SMTP 5xx, a "
    "host name that does not exist): a retry cannot help; fix the URL."
)
ChannelName = Annotated[str, Field(min_length=1, max_length=100), LINE]
AppriseUrl = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        description="An Apprise URL, such as `mailto://user:pass@example.com`, "
        "`slack://TokenA/TokenB/TokenC/#channel` or `json://example.com/hook`. "
        "Checked with Apprise before it is saved; returned with its secrets masked.",
    ),
    LINE,
]


class ChannelCreate(RequestModel):
    name: ChannelName
    url: AppriseUrl


class ChannelTestResult(BaseModel):
    delivered: bool = Field(description="Whether the service accepted the test message.")
    error: str | None = Field(description="Why not, in the service's words (secrets masked).")
    permanent: bool = Field(default=False, description=PERMANENT)


class ChannelFailure(BaseModel):
    at: datetime
    error: str | None = Field(description="What went wrong, in the service's words (masked).")
    permanent: bool = Field(description=PERMANENT + " It was not retried.")
    still_failing: bool = Field(description="Nothing has reached the channel since.")


class ChannelPublic(BaseModel):
    id: int
    name: str
    url: str = Field(description="The Apprise URL with passwords, tokens and keys masked.")
    created_at: datetime
    last_delivered_at: datetime | None = Field(
        default=None, description="When a message (or a test message) last reached it."
    )
    last_failure: ChannelFailure | None = Field(
        default=None, description="Its latest failed delivery (or test message), if any."
    )

    @classmethod
    def from_row(cls, channel: Channel) -> ChannelPublic:
        failure = None
        if channel.last_failure_at is not None:
            delivered = channel.last_delivered_at
            failure = ChannelFailure(
                at=channel.last_failure_at,
                error=channel.last_failure,
                permanent=channel.last_failure_permanent,
                still_failing=delivered is None or delivered < channel.last_failure_at,
            )
        return cls(
            id=channel.id,
            name=channel.name,
            url=mask_url(channel.url),
            created_at=channel.created_at,
            last_delivered_at=channel.last_delivered_at,
            last_failure=failure,
        )
