"""What the organization page shows of invitations and API tokens, to whoever may manage
them (admins and owners): the pending invitations and the organization's tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.api.access import RequestContext
from betteruptime.domain.roles import ROLES, SCOPES
from betteruptime.services import invitations as invitation_service
from betteruptime.services import tokens as token_service


async def team_context(db: AsyncSession, org: RequestContext) -> dict[str, Any]:
    invite = org.can("manage_invitations")
    tokens = org.can("manage_tokens")
    return {
        "invite": invite,
        "invitations": (
            await invitation_service.list_pending(db, organization_id=org.organization_id)
            if invite
            else []
        ),
        "invite_roles": [r for r in ROLES if r != "owner" or org.can("manage_owners")],
        "manage_tokens": tokens,
        "api_tokens": (
            await token_service.list_organization_tokens(db, organization_id=org.organization_id)
            if tokens
            else []
        ),
        "scopes": SCOPES,
    }
