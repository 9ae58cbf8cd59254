"""The forms that create and change a monitor: `/monitors/new`, `/monitors/{id}/edit`.

Checked by the API's own body models and service, so a form accepts and refuses exactly
what `POST`/`PATCH /api/v1/monitors` do; each message is shown beside its field and the
form comes back with what was typed (422). Another organization's monitor answers like a
missing one. Registered before the monitor page, whose `/monitors/{id}` would
otherwise take `/monitors/new`.
"""

from __future__ import annotations

from typing import Any, get_args

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from betteruptime.alerting.urls import mask_url
from betteruptime.api.access import RequestContext
from betteruptime.api.deps import SessionDep, SettingsDep, get_base_url
from betteruptime.api.errors import ErrorDetail
from betteruptime.domain.monitor_kinds import (
    DEFAULT_KIND,
    MONITOR_FIELDS,
    default_timeout,
    field_defaults,
    new_monitor_values,
)
from betteruptime.schemas.kinds import DnsRecordType
from betteruptime.schemas.monitor_fields import KeywordMode, Method, SupportedKind
from betteruptime.schemas.monitors import MonitorCreate, MonitorUpdate
from betteruptime.services import channels as channel_service
from betteruptime.services import monitors as monitor_service
from betteruptime.services.monitors import MonitorInvalidError, MonitorRecord
from betteruptime.services.regions import live_regions
from betteruptime.settings import Settings
from betteruptime.web import assertion_rows
from betteruptime.web.access import EditableMonitor, PageMonitorWriter
from betteruptime.web.deps import CsrfChecked, flash, redirect, render
from betteruptime.web.form_text import ESCAPES_HINT
from betteruptime.web.forms import Errors, field_errors, pydantic_errors
from betteruptime.web.monitor_form import (
    FIELDS,
    Values,
    changed_fields,
    channel_links,
    form_values,
    new_form_values,
    parse_form,
)

router = APIRouter(include_in_schema=False)

# Per-channel rules arrive as `channel_rules`; the form shows them as the ticked boxes.
_ALIASES = {"channel_rules": "channel_ids"}
# The fields an error can be shown beside.
_SHOWN = (*FIELDS, assertion_rows.FIELD)


def _choices(literal: Any) -> list[tuple[str, str]]:
    """A Literal's values as (value, text) options of a select."""
    return [(str(choice), str(choice)) for choice in get_args(literal)]


async def _show_form(
    request: Request,
    db: SessionDep,
    org: RequestContext,
    settings: Settings,
    *,
    values: Values | None,
    errors: Errors,
    record: MonitorRecord | None = None,
    status_code: int = 200,
) -> Response:
    """The form with `values`; None: a new monitor's, from the defaults the API gives
    (the one function that decides them, domain.monitor_kinds.new_monitor_values), which
    also fill in the placeholders of the boxes left empty."""
    token = record.monitor.ping_token if record else None
    channels = await channel_service.list_channels(db, organization_id=org.organization_id)
    server = monitor_service.server_defaults(settings, await live_regions(db))
    defaults = new_monitor_values({"kind": DEFAULT_KIND}, server)
    kinds_defaults = {kind: field_defaults(kind) for kind in ("tls", "domain", "heartbeat")}
    context = {
        "monitor": record.monitor if record else None,
        "action": f"/monitors/{record.monitor.id}/edit" if record else "/monitors/new",
        "values": new_form_values(defaults) if values is None else values,
        "errors": errors,
        "channels": [
            {"id": str(channel.id), "name": channel.name, "url": mask_url(channel.url)}
            for channel in channels
        ],
        "kinds": _choices(SupportedKind),
        "methods": _choices(Method),
        "keyword_modes": _choices(KeywordMode),
        "record_types": [("", "A (default)"), *_choices(DnsRecordType)],
        "live_regions": defaults["regions"],
        "min_interval": settings.min_interval,
        "default_timeout": f"{default_timeout(defaults['interval_seconds']):g}",
        "defaults": defaults,
        "default_tls_days": kinds_defaults["tls"]["tls_expiry_days"],
        "default_domain_days": kinds_defaults["domain"]["domain_expiry_days"],
        "default_grace": kinds_defaults["heartbeat"]["grace_seconds"],
        "heartbeat_thresholds": (
            kinds_defaults["heartbeat"]["failure_threshold"],
            kinds_defaults["heartbeat"]["recovery_threshold"],
        ),
        "escapes_hint": ESCAPES_HINT,
        "assertion_sources": assertion_rows.SOURCES,
        "assertion_comparisons": assertion_rows.COMPARISONS,
        # A heartbeat's secret ping URL: where else would someone who made it here find it?
        "ping_url": f"{get_base_url(request)}/ping/{token}" if token else None,
    }
    return render(request, "monitor_form.html", context, status_code=status_code)


async def _save(
    db: SessionDep,
    org: RequestContext,
    settings: Settings,
    body: dict[str, Any],
    record: MonitorRecord | None,
) -> tuple[int | None, Errors]:
    """Create or change the monitor: its id, or the errors by field. A change that
    changes nothing leaves the monitor as it is."""
    try:
        if record is not None and not body:
            return record.monitor.id, {}
        if record is None:
            created = await monitor_service.create_monitor(
                db,
                organization_id=org.organization_id,
                data=MonitorCreate.model_validate(body),
                settings=settings,
            )
            return created.monitor.id, {}
        changes = MonitorUpdate.model_validate(body)
        await monitor_service.update_monitor(db, record=record, changes=changes, settings=settings)
        return record.monitor.id, {}
    except ValidationError as error:
        return None, pydantic_errors(error.errors(), fields=_SHOWN, aliases=_ALIASES)
    except MonitorInvalidError as error:
        # The first message of a field wins; a row's says which (`entry 2: ...`).
        details = [ErrorDetail(field=p.field, message=p.message) for p in error.problems]
        return None, field_errors(details, fields=_SHOWN, aliases=_ALIASES)


async def _submit(
    request: Request,
    db: SessionDep,
    org: RequestContext,
    settings: Settings,
    record: MonitorRecord | None,
) -> Response:
    parsed, values = parse_form(await request.form(), editing=record is not None)
    body = parsed.body
    if record is not None:
        body = changed_fields(body, {name: getattr(record.monitor, name) for name in body})
    body |= channel_links(parsed.channel_ids, record.channel_rules if record else None)
    # Fields that could not be read are left out, so the others are still checked.
    for name in parsed.errors:
        body.pop(name, None)
    saved, errors = await _save(db, org, settings, body, record)
    errors = parsed.errors | {k: v for k, v in errors.items() if k not in parsed.errors}
    if errors or saved is None:
        # Nothing was changed: the service checks everything before it writes.
        return await _show_form(
            request,
            db,
            org,
            settings,
            values=values,
            errors=errors,
            record=record,
            status_code=422,
        )
    flash(request, "ok", "Monitor saved." if record else "Monitor created.")
    return redirect(request, f"/monitors/{saved}")


@router.get("/monitors/new")
async def new_monitor(
    request: Request, db: SessionDep, org: PageMonitorWriter, settings: SettingsDep
) -> Response:
    return await _show_form(request, db, org, settings, values=None, errors={})


@router.post("/monitors/new", dependencies=[CsrfChecked])
async def create_monitor(
    request: Request, db: SessionDep, org: PageMonitorWriter, settings: SettingsDep
) -> Response:
    return await _submit(request, db, org, settings, None)


@router.get("/monitors/{monitor_id}/edit")
async def edit_monitor(
    request: Request,
    record: EditableMonitor,
    db: SessionDep,
    org: PageMonitorWriter,
    settings: SettingsDep,
) -> Response:
    fields = {name: getattr(record.monitor, name) for name in MONITOR_FIELDS}
    values = form_values(fields, record.channel_rules)
    return await _show_form(request, db, org, settings, values=values, errors={}, record=record)


@router.post("/monitors/{monitor_id}/edit", dependencies=[CsrfChecked])
async def update_monitor(
    request: Request,
    record: EditableMonitor,
    db: SessionDep,
    org: PageMonitorWriter,
    settings: SettingsDep,
) -> Response:
    return await _submit(request, db, org, settings, record)
