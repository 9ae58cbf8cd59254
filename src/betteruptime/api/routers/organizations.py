"""Organizations and their members. Every resource request acts in one organization
(api/access.py); these routes list and manage them. The organization is the path's:
404 unless the caller is a member of it, 403 unless their role allows the change."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from betteruptime.api.access import RequestContext, member_of
from betteruptime.api.deps import CurrentUser, SessionDep, valid_id
from betteruptime.api.errors import ApiError, ErrorBody, not_found
from betteruptime.db.models import Membership, Organization, User
from betteruptime.domain.roles import may_touch
from betteruptime.schemas.organizations import (
    MemberPublic,
    MemberUpdate,
    OrganizationCreate,
    OrganizationPublic,
    OrganizationUpdate,
)
from betteruptime.services import organizations as organization_service
from betteruptime.services.organizations import OrganizationConflict

router = APIRouter(
    prefix="/organizations",
    tags=["organizations"],
    responses={
        401: {"model": ErrorBody, "description": "Missing or invalid token."},
        403: {"model": ErrorBody, "description": "Your role does not allow it."},
        404: {"model": ErrorBody, "description": "No such organization of yours (or member)."},
        422: {"model": ErrorBody, "description": "Invalid input; `details` names each field."},
    },
)
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorBody,
        "description": "The last owner cannot leave or be demoted; a personal "
        "organization cannot be deleted.",
    }
}
UserId = Annotated[int, Path(description="The member's user id.")]
Reading = Annotated[RequestContext, member_of("read")]
Managing = Annotated[RequestContext, member_of("manage_organization")]
Deleting = Annotated[RequestContext, member_of("delete_organization")]
ManagingMembers = Annotated[RequestContext, member_of("manage_members")]
# Leaving is every member's own right.
RemovingMembers = Annotated[RequestContext, member_of("manage_members", unless_self=True)]


def conflict(error: OrganizationConflict) -> ApiError:
    return ApiError(409, error.code, str(error))


def _public(organization: Organization, role: str) -> OrganizationPublic:
    return OrganizationPublic(
        id=organization.id,
        name=organization.name,
        personal=organization.personal,
        role=role,
        created_at=organization.created_at,
    )


async def _organization(session: SessionDep, context: RequestContext) -> Organization:
    organization = await session.get(Organization, context.organization_id)
    if organization is None:  # deleted since the membership was read
        raise not_found("Organization")
    return organization


@router.get("")
async def list_organizations(session: SessionDep, user: CurrentUser) -> list[OrganizationPublic]:
    """Your organizations, ordered by id, each with your role in it."""
    found = await organization_service.list_for_user(session, user_id=user.id)
    return [_public(item.organization, item.role) for item in found]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_organization(
    data: OrganizationCreate, session: SessionDep, user: CurrentUser
) -> OrganizationPublic:
    """Make an organization; you are its owner. Act in it with `X-Organization-Id`."""
    organization = await organization_service.create_organization(
        session, user=user, name=data.name
    )
    return _public(organization, "owner")


@router.get("/{organization_id}")
async def get_organization(session: SessionDep, context: Reading) -> OrganizationPublic:
    return _public(await _organization(session, context), context.role)


@router.patch("/{organization_id}")
async def update_organization(
    data: OrganizationUpdate, session: SessionDep, context: Managing
) -> OrganizationPublic:
    """Rename the organization (admins and owners)."""
    organization = await _organization(session, context)
    await organization_service.rename_organization(
        session, organization=organization, name=data.name
    )
    return _public(organization, context.role)


@router.delete("/{organization_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_CONFLICT)
async def delete_organization(session: SessionDep, context: Deleting) -> Response:
    """Delete the organization with its monitors (and their checks and incidents),
    channels, status pages, maintenance windows and API tokens (owners only). A personal
    organization cannot be deleted (409)."""
    organization = await _organization(session, context)
    try:
        await organization_service.delete_organization(session, organization=organization)
    except OrganizationConflict as error:
        raise conflict(error) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{organization_id}/members")
async def list_members(session: SessionDep, context: Reading) -> list[MemberPublic]:
    """The members and their roles, by user id (any member may look)."""
    members = await organization_service.list_members(
        session, organization_id=context.organization_id
    )
    return [MemberPublic(user_id=m.user_id, email=m.email, role=m.role) for m in members]


async def _membership(session: SessionDep, context: RequestContext, user_id: int) -> Membership:
    membership = await organization_service.get_membership(
        session, organization_id=context.organization_id, user_id=valid_id(user_id, "Member")
    )
    if membership is None:
        raise not_found("Member")
    return membership


def _require_owner_for_owners(context: RequestContext, *roles: str) -> None:
    """Only owners make or unmake owners."""
    if not may_touch(context.role, *roles):
        raise ApiError(403, "forbidden", context.refusal("manage_owners"))


async def _member_view(session: SessionDep, membership: Membership) -> MemberPublic:
    user = await session.get(User, membership.user_id)
    email = user.email if user is not None else ""
    return MemberPublic(user_id=membership.user_id, email=email, role=membership.role)


@router.patch("/{organization_id}/members/{user_id}", responses=_CONFLICT)
async def update_member(
    user_id: UserId, data: MemberUpdate, session: SessionDep, context: ManagingMembers
) -> MemberPublic:
    """Change a member's role (admins and owners; only owners make or unmake owners).
    The last owner cannot be demoted (409)."""
    membership = await _membership(session, context, user_id)
    _require_owner_for_owners(context, membership.role, data.role)
    try:
        await organization_service.change_role(session, membership=membership, role=data.role)
    except OrganizationConflict as error:
        raise conflict(error) from None
    return await _member_view(session, membership)


@router.delete(
    "/{organization_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_CONFLICT,
)
async def remove_member(user_id: UserId, session: SessionDep, context: RemovingMembers) -> Response:
    """Take a member out (admins and owners; only owners remove owners), or leave the
    organization yourself (any member). The last owner cannot leave (409)."""
    membership = await _membership(session, context, user_id)
    if membership.user_id != context.user.id:
        _require_owner_for_owners(context, membership.role)
    try:
        await organization_service.remove_member(session, membership=membership)
    except OrganizationConflict as error:
        raise conflict(error) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)
