"""Status pages of the request's organization. The pages themselves are public, at /status/<slug>
(web/views/status_pages.py); this is where they are made and changed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from betteruptime.api.access import PageWriter, ReadablePage, Reader, WritablePage
from betteruptime.api.deps import BaseUrl, SessionDep
from betteruptime.api.errors import ApiError, ErrorBody
from betteruptime.schemas.status_pages import (
    StatusPageCreate,
    StatusPagePublic,
    StatusPageUpdate,
)
from betteruptime.services import status_pages as page_service
from betteruptime.services.status_pages import SlugTakenError, StatusPageRecord

router = APIRouter(
    prefix="/status-pages",
    tags=["status pages"],
    responses={
        401: {"model": ErrorBody, "description": "Missing or invalid token."},
        404: {"model": ErrorBody, "description": "No such status page in the organization."},
        422: {"model": ErrorBody, "description": "Invalid input; `details` names each field."},
    },
)
_TAKEN: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "The slug is another page's."}
}


def _public(record: StatusPageRecord, base_url: str) -> StatusPagePublic:
    return StatusPagePublic.from_row(record.page, record.monitor_ids, base_url)


def slug_taken(error: SlugTakenError) -> ApiError:
    return ApiError(
        409, "slug_taken", f"The slug '{error.slug}' is already used by another status page."
    )


@router.get("")
async def list_pages(
    base_url: BaseUrl, session: SessionDep, context: Reader
) -> list[StatusPagePublic]:
    """The organization's status pages, ordered by id."""
    records = await page_service.list_pages(session, organization_id=context.organization_id)
    return [_public(record, base_url) for record in records]


@router.post("", status_code=status.HTTP_201_CREATED, responses=_TAKEN)
async def create_page(
    data: StatusPageCreate, base_url: BaseUrl, session: SessionDep, context: PageWriter
) -> StatusPagePublic:
    """Publish a status page at /status/<slug> showing the monitors named, in order."""
    try:
        record = await page_service.create_page(
            session, organization_id=context.organization_id, data=data
        )
    except SlugTakenError as error:
        raise slug_taken(error) from error
    return _public(record, base_url)


@router.get("/{page_id}")
async def get_page(record: ReadablePage, base_url: BaseUrl) -> StatusPagePublic:
    return _public(record, base_url)


@router.patch("/{page_id}", responses=_TAKEN)
async def update_page(
    record: WritablePage, changes: StatusPageUpdate, base_url: BaseUrl, session: SessionDep
) -> StatusPagePublic:
    """Change the fields sent. A new slug moves the page: the old address stops working."""
    try:
        await page_service.update_page(session, record=record, changes=changes)
    except SlugTakenError as error:
        raise slug_taken(error) from error
    return _public(record, base_url)


@router.delete("/{page_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_page(record: WritablePage, session: SessionDep) -> Response:
    """Delete the page; its address answers 404 from now on. The monitors stay."""
    await page_service.delete_page(session, record=record)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
