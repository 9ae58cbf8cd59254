"""Organizations in the dashboard: the top bar's switcher, the organization page (its
members and their roles, role changes and removals for admins) and a form to make a new
one. The same services and rules as /api/v1/organizations (api/routers/organizations.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from betteruptime.api.access import NotAMember, RequestContext, resolve_context
from betteruptime.api.deps import SessionDep
from betteruptime.db.models import Membership, Organization
from betteruptime.domain.roles import ROLES, may_touch
from betteruptime.schemas.organizations import MemberUpdate, OrganizationCreate
from betteruptime.services import organizations as organization_service
from betteruptime.services.organizations import OrganizationConflict
from betteruptime.web.access import Forbidden, PageReader, page_allowed, page_context
from betteruptime.web.deps import (
    CsrfChecked,
    NotFound,
    PageUser,
    current_session,
    flash,
    path_id,
    redirect,
    render,
    set_session,
)
from betteruptime.web.forms import pydantic_errors, text
from betteruptime.web.team_context import team_context

router = APIRouter(include_in_schema=False)

MemberManager = Annotated[RequestContext, page_allowed("manage_members")]


async def show_organization(
    request: Request,
    db: SessionDep,
    org: RequestContext,
    *,
    name: str = "",
    errors: Any = None,
    status_code: int | None = None,
    **extra: Any,
) -> Response:
    """The organization page; `extra` for what the invitation and token forms show
    (their values and errors, a new link or token shown once)."""
    organization = await db.get(Organization, org.organization_id)
    members = await organization_service.list_members(db, organization_id=org.organization_id)
    context = {
        **await team_context(db, org),
        **extra,
        "organization": organization,
        "members": members,
        "roles": ROLES,
        "manage": org.can("manage_members"),
        "manage_owners": org.can("manage_owners"),
        "name": name,
        "errors": errors or {},
    }
    if status_code is None:
        status_code = 422 if errors else 200
    return render(request, "organization.html", context, status_code=status_code)


@router.get("/organization")
async def organization_page(request: Request, db: SessionDep, org: PageReader) -> Response:
    return await show_organization(request, db, org)


@router.post("/organizations/switch", dependencies=[CsrfChecked])
async def switch(request: Request, db: SessionDep, user: PageUser) -> Response:
    """Show another of the user's organizations from now on (kept in the session)."""
    chosen = path_id(text(await request.form(), "organization_id"))
    try:
        context = await resolve_context(db, user, named=chosen if chosen else 0)
    except NotAMember:
        raise NotFound("organization") from None
    set_session(request, replace(current_session(request), organization_id=context.organization_id))
    return redirect(request, "/")


@router.post("/organizations/new", dependencies=[CsrfChecked])
async def create(request: Request, db: SessionDep, user: PageUser, org: PageReader) -> Response:
    """Make an organization with the user as owner, and switch to it."""
    name = text(await request.form(), "name")
    try:
        data = OrganizationCreate.model_validate({"name": name})
    except ValidationError as error:
        return await show_organization(
            request, db, org, name=name, errors=pydantic_errors(error.errors(), fields=("name",))
        )
    made = await organization_service.create_organization(db, user=user, name=data.name)
    set_session(request, replace(current_session(request), organization_id=made.id))
    flash(request, "ok", f"Organization “{made.name}” created; you are its owner.")
    return redirect(request, "/organization")


async def _membership(db: SessionDep, org: RequestContext, user_id: str) -> Membership:
    found = path_id(user_id)
    membership = None
    if found is not None:
        membership = await organization_service.get_membership(
            db, organization_id=org.organization_id, user_id=found
        )
    if membership is None:
        raise NotFound("member")
    return membership


def _owners_only(org: RequestContext, *roles: str) -> None:
    if not may_touch(org.role, *roles):
        raise Forbidden(org.refusal("manage_owners"))


@router.post("/organization/members/{user_id}/role", dependencies=[CsrfChecked])
async def change_role(
    request: Request, user_id: str, db: SessionDep, org: MemberManager
) -> Response:
    membership = await _membership(db, org, user_id)
    try:
        data = MemberUpdate.model_validate({"role": text(await request.form(), "role")})
    except ValidationError:
        flash(request, "error", "Choose a role: owner, admin, editor or viewer.")
        return redirect(request, "/organization")
    _owners_only(org, membership.role, data.role)
    try:
        await organization_service.change_role(db, membership=membership, role=data.role)
    except OrganizationConflict as error:
        flash(request, "error", str(error))
    else:
        flash(request, "ok", f"Role changed to {data.role}.")
    return redirect(request, "/organization")


async def _remover(request: Request, db: SessionDep, user: PageUser) -> RequestContext:
    """Any member may leave; removing someone else needs manage_members."""
    org = await page_context(request, db, user)
    if request.path_params.get("user_id") != str(user.id) and not org.can("manage_members"):
        raise Forbidden(org.refusal("manage_members"))
    return org


_remover.access_action = "manage_members"  # type: ignore[attr-defined]


@router.post("/organization/members/{user_id}/remove", dependencies=[CsrfChecked])
async def remove(
    request: Request,
    user_id: str,
    db: SessionDep,
    user: PageUser,
    org: Annotated[RequestContext, Depends(_remover)],
) -> Response:
    membership = await _membership(db, org, user_id)
    leaving = membership.user_id == user.id
    if not leaving:
        _owners_only(org, membership.role)
    try:
        await organization_service.remove_member(db, membership=membership)
    except OrganizationConflict as error:
        flash(request, "error", str(error))
        return redirect(request, "/organization")
    if leaving:
        set_session(request, replace(current_session(request), organization_id=None))
        flash(request, "ok", "You left the organization.")
        return redirect(request, "/")
    flash(request, "ok", "Member removed.")
    return redirect(request, "/organization")
