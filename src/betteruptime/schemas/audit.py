"""The audit log as the API answers it and the filters it takes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from betteruptime.domain.audit import ActorType

# `monitor.create`, or a family: `monitor.*`.
ACTION_PATTERN = r"^[a-z_]{1,40}\.([a-z_]{1,40}|\*)$"
ActionFilter = Annotated[str, StringConstraints(pattern=ACTION_PATTERN, max_length=81)]
ObjectTypeFilter = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]
ActorFilter = Annotated[
    str, StringConstraints(min_length=1, max_length=320, pattern=r"^[^\x00-\x1f\x7f]+$")
]


class AuditEntryPublic(BaseModel):
    id: int
    organization_id: int
    at: datetime
    actor_type: ActorType
    actor_id: int | None
    actor_name: str = Field(description="The user's email or the API token's name.")
    action: str = Field(description="`object.verb`, e.g. `monitor.create`, `auth.sign_in`.")
    object_type: str | None
    object_id: int | None
    changes: dict[str, Any] = Field(
        description="Changed fields as `{field: [old, new]}`; secrets show as `***`."
    )
    ip: str | None = Field(description="The client's address as the server saw it.")
