"""The dashboard's audit log page (`/audit-log`, admins and owners): the organization's
entries newest first, with the API's filters (GET /api/v1/audit-log) as a form; a bad
filter is shown beside its field (422), never a 500."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from betteruptime.api.access import RequestContext
from betteruptime.api.deps import SessionDep
from betteruptime.db.models import AuditEntry
from betteruptime.domain.audit import OBJECT_TYPES
from betteruptime.schemas.audit import ActionFilter, ActorFilter, ObjectTypeFilter
from betteruptime.schemas.instants import Instant
from betteruptime.services import audit as audit_service
from betteruptime.web.access import page_allowed
from betteruptime.web.deps import render

router = APIRouter(include_in_schema=False)

AuditReader = Annotated[RequestContext, page_allowed("read_audit_log")]
PAGE_LIMIT = 200
_FIELDS: dict[str, TypeAdapter[Any]] = {
    "action": TypeAdapter(ActionFilter),
    "object_type": TypeAdapter(ObjectTypeFilter),
    "actor": TypeAdapter(ActorFilter),
    "since": TypeAdapter(Instant),
}
_MESSAGES = {
    "action": "An action such as monitor.create, or a family such as monitor.*.",
    "object_type": "An object type such as monitor (lower case letters and _).",
    "actor": "An email or an API token's name, without control characters.",
    "since": "A date (2026-12-24) or an ISO 8601 time (2026-12-24T22:00:00Z).",
}


def _changes(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """Each changed field with its old and new value as JSON text (escaped by the page)."""
    rows = []
    for field, pair in (entry.changes or {}).items():
        old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        rows.append(
            (field, json.dumps(old, ensure_ascii=False), json.dumps(new, ensure_ascii=False))
        )
    return rows


@router.get("/audit-log")
async def audit_log_page(request: Request, db: SessionDep, org: AuditReader) -> Response:
    sent = {name: request.query_params.get(name, "").strip() for name in _FIELDS}
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, adapter in _FIELDS.items():
        if not sent[name]:
            continue
        try:
            values[name] = adapter.validate_python(sent[name])
        except ValidationError:
            errors[name] = _MESSAGES[name]
    entries = []
    if not errors:
        entries = await audit_service.list_entries(
            db,
            organization_id=org.organization_id,
            filters=audit_service.AuditFilter(**values),
            limit=PAGE_LIMIT,
        )
    context = {
        "entries": entries,
        "sent": sent,
        "errors": errors,
        "object_types": OBJECT_TYPES,
        "limit": PAGE_LIMIT,
        "changes": _changes,
    }
    return render(request, "audit_log.html", context, status_code=422 if errors else 200)
