"""Organization and member bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from betteruptime.domain.roles import Role
from betteruptime.schemas.base import RequestModel
from betteruptime.schemas.text import STRIPPED_LINE_PATTERN, Rule, no_control

# A personal organization's name (from the email) may be longer; a chosen one is not.
MAX_NAME_LENGTH = 100
OrganizationName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME_LENGTH),
    Field(description="1 to 100 characters, blanks around them dropped."),
    # Checked once stripped: blanks around it go, control characters inside are refused.
    Rule(no_control, STRIPPED_LINE_PATTERN),
]
RoleField = Annotated[
    Role,
    Field(description="`owner`, `admin`, `editor` or `viewer` (see the README's Teams)."),
]


class OrganizationCreate(RequestModel):
    name: OrganizationName


class OrganizationUpdate(RequestModel):
    name: OrganizationName


class OrganizationPublic(BaseModel):
    id: int
    name: str
    personal: bool = Field(description="The caller's (or a member's) personal organization.")
    role: RoleField
    created_at: datetime


class MemberPublic(BaseModel):
    user_id: int
    email: str
    role: RoleField


class MemberUpdate(RequestModel):
    role: RoleField
