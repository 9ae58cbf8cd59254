"""Status page bodies. The same models check the dashboard's forms, so a page the API
would refuse cannot be made in the browser either."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from betteruptime.db.models import StatusPage
from betteruptime.schemas.base import RequestModel
from betteruptime.schemas.text import STRIPPED_LINE_PATTERN, Rule, no_control, pattern
from betteruptime.schemas.updates import not_null

MIN_SLUG, MAX_SLUG = 3, 64
MAX_MONITORS = 100
_SLUG_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
# What _slug checks, lengths aside (minLength and maxLength).
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"


def _slug(value: str) -> str:
    if not MIN_SLUG <= len(value) <= MAX_SLUG:
        raise ValueError(f"must be {MIN_SLUG} to {MAX_SLUG} characters long")
    if not set(value) <= _SLUG_CHARACTERS:
        raise ValueError("may only hold lowercase letters a-z, digits and hyphens")
    if value.startswith("-") or value.endswith("-"):
        raise ValueError("may not start or end with a hyphen")
    return value


def _distinct(ids: list[int]) -> list[int]:
    # The order given is the order shown; a repeat keeps its first place.
    return list(dict.fromkeys(ids))


Slug = Annotated[
    str,
    AfterValidator(_slug),
    Field(
        description="The page's public address, /status/<slug>: 3 to 64 lowercase letters, "
        "digits and hyphens; unique on this server.",
        examples=["acme-status"],
        json_schema_extra={"minLength": MIN_SLUG, "maxLength": MAX_SLUG},
    ),
    pattern(SLUG_PATTERN),
]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    Field(description="Shown at the top of the page and in its browser title."),
    # Checked once stripped: blanks around it go, control characters inside are refused.
    Rule(no_control, STRIPPED_LINE_PATTERN),
]
MonitorIds = Annotated[
    list[Annotated[int, Field(ge=1, le=2**31 - 1)]],
    Field(
        max_length=MAX_MONITORS,
        description="Ids of your monitors shown on the page, in this order; on PATCH the "
        "list replaces the current one. Nothing else about a monitor is public: its name, "
        "status, uptime and incidents appear, never its URL.",
    ),
    AfterValidator(_distinct),
]


class StatusPageCreate(RequestModel):
    slug: Slug
    title: Title
    monitor_ids: MonitorIds = Field(default_factory=list)


class StatusPageUpdate(RequestModel):
    """A partial change: only the fields sent change."""

    slug: Slug | None = None
    title: Title | None = None
    monitor_ids: MonitorIds | None = None

    _not_null = not_null("slug", "title", "monitor_ids")


class StatusPagePublic(BaseModel):
    id: int
    slug: str
    title: str
    monitor_ids: list[int] = Field(description="In the order the page shows them.")
    url: str = Field(description="The public page; add `.json` for its data.")
    created_at: datetime

    @classmethod
    def from_row(cls, page: StatusPage, monitor_ids: list[int], base_url: str) -> StatusPagePublic:
        return cls(
            id=page.id,
            slug=page.slug,
            title=page.title,
            monitor_ids=monitor_ids,
            url=f"{base_url}/status/{page.slug}",
            created_at=page.created_at,
        )
