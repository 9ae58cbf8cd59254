"""Invitations: admins invite someone by email with a role (only owners invite owners),
list the pending ones and revoke them; whoever is signed in and has the link accepts it.
The invitation e-mail goes out through the product's mail after the invitation is
committed; without BETTERUPTIME_SMTP_URL, or when the server refuses, the answer still
carries the link (`mail_sent` says which)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from betteruptime.api.access import RequestContext, member_of
from betteruptime.api.deps import BaseUrl, CurrentUser, MailerDep, SessionDep, valid_id
from betteruptime.api.errors import ApiError, ErrorBody, not_found
from betteruptime.api.schemas.teams import (
    InvitationAccepted,
    InvitationCreate,
    InvitationCreated,
    InvitationPublic,
)
from betteruptime.db.models import Invitation, Organization
from betteruptime.domain.roles import may_touch
from betteruptime.services import invitations as invitation_service

router = APIRouter(
    tags=["organizations"],
    responses={
        401: {"model": ErrorBody, "description": "Missing or invalid token."},
        403: {"model": ErrorBody, "description": "Your role does not allow it."},
        404: {"model": ErrorBody, "description": "No such organization of yours (or invitation)."},
        422: {"model": ErrorBody, "description": "Invalid input; `details` names each field."},
    },
)
Inviting = Annotated[RequestContext, member_of("manage_invitations")]
InvitationId = Annotated[int, Path(description="The invitation's id.")]
LinkToken = Annotated[str, Path(description="The token of the invitation's link.")]
PREFIX = "/organizations/{organization_id}/invitations"


def _public(invitation: Invitation) -> InvitationPublic:
    return InvitationPublic(
        id=invitation.id,
        email=invitation.email,
        role=invitation.role,
        expires_at=invitation.expires_at,
        created_at=invitation.created_at,
    )


@router.post(PREFIX, status_code=status.HTTP_201_CREATED)
async def create_invitation(
    data: InvitationCreate,
    session: SessionDep,
    context: Inviting,
    base_url: BaseUrl,
    mailer: MailerDep,
) -> InvitationCreated:
    """Invite someone by email to join with a role (admins and owners; only owners
    invite owners). Valid 7 days, used once. The link is in the answer, and mailed to
    the address when the server has mail configured (`mail_sent`)."""
    if not may_touch(context.role, data.role):
        raise ApiError(403, "forbidden", context.refusal("manage_owners"))
    organization = await session.get(Organization, context.organization_id)
    if organization is None:  # deleted since the membership was read
        raise not_found("Organization")
    invited = await invitation_service.invite(
        session,
        organization=organization,
        inviter=context.user,
        email=data.email,
        role=data.role,
        base_url=base_url,
        mailer=mailer,
    )
    return InvitationCreated(
        **_public(invited.invitation).model_dump(),
        accept_url=invited.accept_url,
        mail_sent=invited.mail_sent,
    )


@router.get(PREFIX)
async def list_invitations(session: SessionDep, context: Inviting) -> list[InvitationPublic]:
    """The pending invitations (not used, not expired), oldest first; never their links."""
    pending = await invitation_service.list_pending(
        session, organization_id=context.organization_id
    )
    return [_public(invitation) for invitation in pending]


@router.delete(PREFIX + "/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_invitation(
    invitation_id: InvitationId, session: SessionDep, context: Inviting
) -> Response:
    """Revoke a pending invitation: its link stops working at once."""
    revoked = await invitation_service.revoke_invitation(
        session,
        organization_id=context.organization_id,
        invitation_id=valid_id(invitation_id, "Invitation"),
    )
    if not revoked:
        raise not_found("Invitation")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/invitations/{token}/accept",
    responses={
        404: {"model": ErrorBody, "description": "No such invitation (or it was revoked)."},
        410: {"model": ErrorBody, "description": "The invitation was used or has expired."},
    },
)
async def accept_invitation(
    token: LinkToken, session: SessionDep, user: CurrentUser
) -> InvitationAccepted:
    """Join the organization with the invitation's role, whatever your email (the link
    is the proof). Already a member: you keep the higher of the two roles."""
    view = await invitation_service.find_invitation(session, token=token)
    if view is None:
        raise ApiError(
            404, "not_found", "Invitation not found: the link is wrong or it was revoked."
        )
    try:
        accepted = await invitation_service.accept_invitation(session, view=view, user=user)
    except invitation_service.InvitationGone as error:
        raise ApiError(410, "gone", str(error)) from None
    return InvitationAccepted(
        organization_id=accepted.organization_id,
        organization_name=accepted.organization_name,
        role=accepted.role,
    )
