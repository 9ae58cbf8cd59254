"""An organization's API tokens (admins and owners): scoped `read` or `write`, bound to
the organization (requests with one act there; naming another organization is 404),
acting with no more than the role of the admin who made it. Shown once; only a hash is
stored."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Path, Response, status

from betteruptime.api.access import RequestContext, member_of
from betteruptime.api.deps import SessionDep, valid_id
from betteruptime.api.errors import ErrorBody, not_found
from betteruptime.api.schemas.teams import ApiTokenCreate, ApiTokenCreated, ApiTokenPublic
from betteruptime.domain.roles import Scope
from betteruptime.services import tokens as token_service

router = APIRouter(
    prefix="/organizations/{organization_id}/api-tokens",
    tags=["organizations"],
    responses={
        401: {"model": ErrorBody, "description": "Missing or invalid token."},
        403: {"model": ErrorBody, "description": "Your role does not allow it."},
        404: {"model": ErrorBody, "description": "No such organization of yours (or token)."},
        422: {"model": ErrorBody, "description": "Invalid input; `details` names each field."},
    },
)
Managing = Annotated[RequestContext, member_of("manage_tokens")]
TokenId = Annotated[int, Path(description="The API token's id.")]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_api_token(
    data: ApiTokenCreate, session: SessionDep, context: Managing
) -> ApiTokenCreated:
    """Make a `read` or `write` token for the organization; the token is shown only
    here. It lasts until revoked."""
    token, row = await token_service.issue_organization_token(
        session,
        user=context.user,
        organization_id=context.organization_id,
        name=data.name,
        scope=data.scope,
    )
    return ApiTokenCreated(id=row.id, name=row.name, scope=data.scope, token=token)


@router.get("")
async def list_api_tokens(session: SessionDep, context: Managing) -> list[ApiTokenPublic]:
    """The organization's API tokens, newest first; never their secrets."""
    rows = await token_service.list_organization_tokens(
        session, organization_id=context.organization_id
    )
    return [
        ApiTokenPublic(
            id=row.id,
            name=row.name,
            scope=cast(Scope, row.scope),
            created_at=row.created_at,
            last_used_at=row.last_used_at,
        )
        for row in rows
    ]


@router.delete("/{api_token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_token(
    api_token_id: TokenId, session: SessionDep, context: Managing
) -> Response:
    """Revoke a token: requests with it are refused (401) at once."""
    revoked = await token_service.revoke_organization_token(
        session,
        organization_id=context.organization_id,
        token_id=valid_id(api_token_id, "API token"),
    )
    if not revoked:
        raise not_found("API token")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
