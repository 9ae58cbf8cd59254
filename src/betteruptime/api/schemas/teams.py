"""Invitation and organization API token bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from betteruptime.api.schemas.credentials import NewEmail
from betteruptime.domain.roles import Role, Scope
from betteruptime.schemas.base import RequestModel
from betteruptime.schemas.organizations import RoleField
from betteruptime.schemas.text import STRIPPED_LINE_PATTERN, Rule, no_control
from betteruptime.services.tokens import MAX_NAME_LENGTH

ScopeField = Annotated[
    Scope,
    Field(
        description="`read` (reads, no secrets, changes nothing) or `write` (everything an "
        "admin does but members, invitations, API tokens and the organization)."
    ),
]
TokenName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME_LENGTH),
    Field(description="1 to 100 characters, to recognise the token by."),
    Rule(no_control, STRIPPED_LINE_PATTERN),
]


class InvitationCreate(RequestModel):
    email: NewEmail
    role: RoleField


class InvitationPublic(BaseModel):
    id: int
    email: str
    role: RoleField
    expires_at: datetime
    created_at: datetime


class InvitationCreated(InvitationPublic):
    accept_url: str = Field(
        description="The link that accepts it (shown only here; only its hash is stored)."
    )
    mail_sent: bool = Field(
        description="Whether the invitation e-mail was handed to the mail server "
        "(false without BETTERUPTIME_SMTP_URL, or when the server refused: pass the link on)."
    )


class InvitationAccepted(BaseModel):
    organization_id: int
    organization_name: str
    role: Role = Field(description="Your role now (the higher one if you were a member).")


class ApiTokenCreate(RequestModel):
    name: TokenName
    scope: ScopeField


class ApiTokenPublic(BaseModel):
    id: int
    name: str
    scope: ScopeField
    created_at: datetime
    last_used_at: datetime | None = Field(description="Within a minute; null if never used.")


class ApiTokenCreated(BaseModel):
    id: int
    name: str
    scope: ScopeField
    token: str = Field(description="Shown only here: only its SHA-256 is stored.")
