"""The body of `POST /monitors/bulk`, one action on many monitors, and its answer."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, model_validator

from betteruptime.schemas.base import RequestModel
from betteruptime.schemas.monitor_fields import Tag, Tags

BulkAction = Literal["pause", "resume", "delete", "add_tags", "remove_tags"]
TAG_ACTIONS = frozenset({"add_tags", "remove_tags"})
MAX_BULK_IDS = 1000
MonitorId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class MonitorBulk(RequestModel):
    """`action` on the monitors named by `ids`, or on every monitor of yours with `tag`
    (one of the two). `add_tags` and `remove_tags` take the `tags` to add or remove."""

    action: BulkAction
    ids: list[MonitorId] | None = Field(
        None,
        min_length=1,
        max_length=MAX_BULK_IDS,
        description=f"Your monitors' ids, at most {MAX_BULK_IDS}. If any is not one of "
        "yours, the answer is 404 and nothing is changed.",
    )
    tag: Tag | None = Field(None, description="Every monitor of yours with this tag.")
    tags: Tags | None = Field(
        None, min_length=1, description="For add_tags and remove_tags: the tags."
    )

    @model_validator(mode="after")
    def _one_selection(self) -> Self:
        if (self.ids is None) == (self.tag is None):
            raise ValueError("give either ids or tag (one of them)")
        if self.action in TAG_ACTIONS and self.tags is None:
            raise ValueError(f"{self.action} needs tags")
        if self.action not in TAG_ACTIONS and self.tags is not None:
            raise ValueError(f"tags are for add_tags and remove_tags, not {self.action}")
        return self


class MonitorBulkResult(BaseModel):
    matched: int = Field(description="Your monitors the action was applied to.")
    changed: int = Field(description="Those it changed (pausing a paused monitor changes nothing).")
    ids: list[int] = Field(description="The ids of the monitors changed, ascending.")
