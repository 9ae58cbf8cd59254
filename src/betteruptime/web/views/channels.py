"""Notification channels in the dashboard: the list, adding one, a test message, delete.

The same body model and service as `/api/v1/channels`, so the same URLs are accepted
and refused, with the same words; the test message goes through the api's sender, as
`POST /api/v1/channels/{id}/test` does. A channel URL carries secrets: it is only ever
shown masked, and a refused one is not put back into the form.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from betteruptime.api.access import RequestContext
from betteruptime.api.deps import SenderDep, SessionDep
from betteruptime.api.errors import ApiError
from betteruptime.api.throttling import enforce_test_limits
from betteruptime.schemas.channels import ChannelCreate, ChannelPublic
from betteruptime.services import channels as channel_service
from betteruptime.services.channels import ChannelInvalidError
from betteruptime.web.access import EditableChannel, PageChannelWriter, PageReader
from betteruptime.web.deps import CsrfChecked, PageUser, flash, redirect, render
from betteruptime.web.forms import Errors, pydantic_errors, text

router = APIRouter(include_in_schema=False)

FIELDS = ("name", "url")


async def _show(
    request: Request,
    db: SessionDep,
    org: RequestContext,
    *,
    name: str,
    errors: Errors,
    status_code: int,
) -> Response:
    channels = await channel_service.list_channels(db, organization_id=org.organization_id)
    context = {
        "channels": [ChannelPublic.from_row(channel) for channel in channels],
        "name": name,
        "errors": errors,
    }
    return render(request, "channels.html", context, status_code=status_code)


@router.get("/channels")
async def channels_page(request: Request, db: SessionDep, org: PageReader) -> Response:
    return await _show(request, db, org, name="", errors={}, status_code=200)


@router.post("/channels", dependencies=[CsrfChecked])
async def add_channel(request: Request, db: SessionDep, org: PageChannelWriter) -> Response:
    form = await request.form()
    name = text(form, "name")
    try:
        data = ChannelCreate.model_validate({"name": name, "url": text(form, "url")})
        await channel_service.create_channel(
            db, organization_id=org.organization_id, name=data.name, url=data.url
        )
    except ValidationError as error:
        errors = pydantic_errors(error.errors(), fields=FIELDS)
    except ChannelInvalidError as error:
        errors = {error.field: str(error)}
    else:
        flash(request, "ok", f"Channel “{data.name}” added. Send it a test message below.")
        return redirect(request, "/channels")
    return await _show(request, db, org, name=name, errors=errors, status_code=422)


@router.post("/channels/{channel_id}/test", dependencies=[CsrfChecked])
async def test_channel(
    request: Request, channel: EditableChannel, db: SessionDep, user: PageUser, sender: SenderDep
) -> Response:
    try:
        enforce_test_limits(request, user_id=user.id, channel_id=channel.id)
    except ApiError as error:
        flash(request, "error", f"No test message sent to “{channel.name}”: {error.message}")
        return redirect(request, "/channels")
    outcome = await channel_service.send_test(db, channel=channel, sender=sender)
    if outcome.ok:
        flash(request, "ok", f"Test message sent to “{channel.name}”.")
    else:
        # A permanent refusal needs the URL fixed, not patience. The sender's error text
        # has the URL's secrets masked already.
        how = " for good (check the URL)" if outcome.permanent else ""
        failed = f"The test message to “{channel.name}” failed{how}: {outcome.error}"
        flash(request, "error", failed)
    return redirect(request, "/channels")


@router.post("/channels/{channel_id}/delete", dependencies=[CsrfChecked])
async def delete_channel(request: Request, channel: EditableChannel, db: SessionDep) -> Response:
    name = channel.name
    await channel_service.delete_channel(db, channel=channel)
    flash(request, "ok", f"Channel “{name}” deleted.")
    return redirect(request, "/channels")
