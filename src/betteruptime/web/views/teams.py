"""Invitations and API tokens in the dashboard: the invite form, pending invitations and
revoking them, an organization's API tokens (made, shown once, revoked) on the
Organization page (admins and owners), and the page an invitation's link opens: who
invited you to what, an Accept button, and for someone not signed in a way to sign in or
sign up and come back. The same services and rules as the API (api/routers/invitations.py,
api/routers/organization_tokens.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from betteruptime.api.access import RequestContext
from betteruptime.api.deps import MailerDep, SessionDep, get_base_url
from betteruptime.api.schemas.teams import ApiTokenCreate, InvitationCreate
from betteruptime.db.models import Organization, User
from betteruptime.domain.roles import may_touch
from betteruptime.services import invitations as invitation_service
from betteruptime.services import tokens as token_service
from betteruptime.web.access import Forbidden, page_allowed
from betteruptime.web.deps import (
    CsrfChecked,
    LoginRequired,
    NotFound,
    PageUser,
    current_session,
    flash,
    page_user,
    path_id,
    redirect,
    render,
    set_session,
)
from betteruptime.web.forms import pydantic_errors, text
from betteruptime.web.views.organizations import show_organization

router = APIRouter(include_in_schema=False)

Inviter = Annotated[RequestContext, page_allowed("manage_invitations")]
TokenManager = Annotated[RequestContext, page_allowed("manage_tokens")]


@router.post("/organization/invitations", dependencies=[CsrfChecked])
async def invite(request: Request, db: SessionDep, org: Inviter, mailer: MailerDep) -> Response:
    """Invite someone; the page shows the link once (and whether it was mailed)."""
    form = await request.form()
    values = {"email": text(form, "email"), "role": text(form, "role")}
    try:
        data = InvitationCreate.model_validate(values)
    except ValidationError as error:
        errors = pydantic_errors(error.errors(), fields=("email", "role"))
        return await show_organization(
            request, db, org, status_code=422, invite_errors=errors, invite_values=values
        )
    if not may_touch(org.role, data.role):
        raise Forbidden(org.refusal("manage_owners"))
    organization = await db.get(Organization, org.organization_id)
    if organization is None:
        raise NotFound("organization")
    invited = await invitation_service.invite(
        db,
        organization=organization,
        inviter=org.user,
        email=data.email,
        role=data.role,
        base_url=get_base_url(request),
        mailer=mailer,
    )
    return await show_organization(request, db, org, status_code=201, invited=invited)


@router.post("/organization/invitations/{invitation_id}/delete", dependencies=[CsrfChecked])
async def revoke_invitation(
    request: Request, invitation_id: str, db: SessionDep, org: Inviter
) -> Response:
    found = path_id(invitation_id)
    revoked = found is not None and await invitation_service.revoke_invitation(
        db, organization_id=org.organization_id, invitation_id=found
    )
    if not revoked:
        raise NotFound("invitation")
    flash(request, "ok", "Invitation revoked: its link no longer works.")
    return redirect(request, "/organization")


@router.post("/organization/api-tokens", dependencies=[CsrfChecked])
async def create_token(request: Request, db: SessionDep, org: TokenManager) -> Response:
    """Make an API token; the page shows it once."""
    form = await request.form()
    values = {"name": text(form, "name"), "scope": text(form, "scope")}
    try:
        data = ApiTokenCreate.model_validate(values)
    except ValidationError as error:
        errors = pydantic_errors(error.errors(), fields=("name", "scope"))
        return await show_organization(
            request, db, org, status_code=422, token_errors=errors, token_values=values
        )
    token, row = await token_service.issue_organization_token(
        db, user=org.user, organization_id=org.organization_id, name=data.name, scope=data.scope
    )
    new_token = {"name": row.name, "scope": data.scope, "token": token}
    return await show_organization(request, db, org, status_code=201, new_token=new_token)


@router.post("/organization/api-tokens/{api_token_id}/delete", dependencies=[CsrfChecked])
async def revoke_token(
    request: Request, api_token_id: str, db: SessionDep, org: TokenManager
) -> Response:
    found = path_id(api_token_id)
    revoked = found is not None and await token_service.revoke_organization_token(
        db, organization_id=org.organization_id, token_id=found
    )
    if not revoked:
        raise NotFound("API token")
    flash(request, "ok", "API token revoked.")
    return redirect(request, "/organization")


async def _signed_in(request: Request, db: SessionDep) -> User | None:
    try:
        return await page_user(request, db)
    except LoginRequired:
        return None


async def _view(db: SessionDep, token: str) -> invitation_service.InvitationView:
    view = await invitation_service.find_invitation(db, token=token)
    if view is None:
        raise NotFound("invitation (the link is wrong, or it was revoked)")
    return view


@router.get("/invitations/{token}")
async def invitation_page(request: Request, token: str, db: SessionDep) -> Response:
    """Anyone with the link: who invited them to what, and an Accept button (signed in),
    or sign-in and sign-up links that come back here."""
    view = await _view(db, token)
    user = await _signed_in(request, db)
    here = quote(request.url.path, safe="/")
    context = {"view": view, "here": here, "signed_in": user}
    return render(request, "invitation.html", context, status_code=410 if view.problem else 200)


@router.post("/invitations/{token}/accept", dependencies=[CsrfChecked])
async def accept(request: Request, token: str, db: SessionDep, user: PageUser) -> Response:
    view = await _view(db, token)
    try:
        accepted = await invitation_service.accept_invitation(db, view=view, user=user)
    except invitation_service.InvitationGone as error:
        flash(request, "error", str(error))
        return redirect(request, "/")
    # Showing the organization joined from now on, as the switcher would.
    set_session(
        request, replace(current_session(request), organization_id=accepted.organization_id)
    )
    flash(request, "ok", f"You joined {accepted.organization_name} as {accepted.role}.")
    return redirect(request, "/")
