"""Notification channels of the request's organization. Admins and owners change them;
every member sees them, their URLs always masked."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from betteruptime.api.access import ChannelWriter, Reader, WritableChannel
from betteruptime.api.deps import SenderDep, SessionDep, TokenUser
from betteruptime.api.errors import ErrorBody
from betteruptime.api.throttling import enforce_test_limits
from betteruptime.schemas.channels import ChannelCreate, ChannelPublic, ChannelTestResult
from betteruptime.services import channels as channel_service

router = APIRouter(
    prefix="/channels",
    tags=["channels"],
    responses={
        401: {"model": ErrorBody, "description": "Missing or invalid token."},
        404: {"model": ErrorBody, "description": "No such channel in the organization."},
        422: {"model": ErrorBody, "description": "Invalid input; `details` names each field."},
    },
)


@router.get("")
async def list_channels(session: SessionDep, context: Reader) -> list[ChannelPublic]:
    """The organization's channels, ordered by id, with the secrets in their URLs masked."""
    channels = await channel_service.list_channels(session, organization_id=context.organization_id)
    return [ChannelPublic.from_row(channel) for channel in channels]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_channel(
    data: ChannelCreate, session: SessionDep, context: ChannelWriter
) -> ChannelPublic:
    """Add a channel. Its URL must be one Apprise can use; link it to monitors with
    their `channel_ids`."""
    channel = await channel_service.create_channel(
        session, organization_id=context.organization_id, name=data.name, url=data.url
    )
    return ChannelPublic.from_row(channel)


@router.post(
    "/{channel_id}/test",
    responses={
        429: {
            "model": ErrorBody,
            "description": "Too many test messages: 5 a minute per channel, 20 per user. "
            "`Retry-After` says when to try again.",
        }
    },
)
async def test_channel(
    request: Request,
    channel: WritableChannel,
    session: SessionDep,
    user: TokenUser,
    sender: SenderDep,
) -> ChannelTestResult:
    """Send a test message through the channel now and say whether it arrived. A refusal
    is reported in the body (200), as it is the answer to the question asked; `permanent`
    says whether the service refused it for good (fix the URL) or only for now."""
    enforce_test_limits(request, user_id=user.id, channel_id=channel.id)
    outcome = await channel_service.send_test(session, channel=channel, sender=sender)
    return ChannelTestResult(delivered=outcome.ok, error=outcome.error, permanent=outcome.permanent)


@router.delete("/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_channel(channel: WritableChannel, session: SessionDep) -> Response:
    """Delete the channel; the monitors linked to it stop notifying it."""
    await channel_service.delete_channel(session, channel=channel)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
