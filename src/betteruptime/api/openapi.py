"""The OpenAPI document says what the API does: the answers every route can give, and
what depends on the server's settings.

Routes describe their own answers (a 404 for an unknown id, a 409 for a taken slug);
the ones that come from the machinery around them are added here, once, for every
operation they apply to:

- 422 with the API's error body (not FastAPI's own shape, which the API never sends):
  any parameter or body can be invalid, and any URL can carry a NUL (`api.inputs`);
- 400 (not JSON) and 413 (over the body limit) for every operation that takes a body;
- 401 for every operation that needs a token;
- 403 (the role does not allow it) and 404 (not a member of the organization) for every
  operation that acts in an organization (api/access.py);

and the rules of a body that involve several of its fields (openapi_rules.py).

`/metrics` is declared open unless BETTERUPTIME_METRICS_TOKEN is set, as it is (its 401
stays: a token sent must be valid); and the
smallest monitor interval is this server's BETTERUPTIME_MIN_INTERVAL.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from betteruptime.api.openapi_rules import BODY_RULES
from betteruptime.settings import Settings

_ERROR = {"$ref": "#/components/schemas/ErrorBody"}
_GENERIC = {
    400: "The body is not valid JSON (`malformed_json`).",
    401: "Missing or invalid token.",
    413: "The body is larger than the server takes (`content_too_large`).",
    422: "Invalid input; `details` names each field (a NUL in the path or query string "
    "is refused too).",
    403: "Your role in the organization does not allow it (`forbidden`; the message names "
    "the role and the action).",
    404: "Not found: no such object in the organization, or no organization of yours with "
    "this id (`X-Organization-Id`).",
}
# What marks an operation that acts in an organization.
_ORGANIZATION_PARAMETERS = {("header", "X-Organization-Id"), ("path", "organization_id")}
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def install_openapi(app: FastAPI, settings: Settings) -> None:
    """Make `app.openapi()` (and /openapi.json) the completed document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            complete(document, settings)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any], settings: Settings) -> None:
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in _METHODS:
                _errors(operation)
                _no_null_in_query(operation)
                if path == "/metrics":
                    _metrics_security(operation, settings)
    _minimum_interval(document, settings)
    schemas = document.get("components", {}).get("schemas", {})
    for name, rules in BODY_RULES.items():
        if name in schemas:
            schemas[name].setdefault("allOf", []).extend(rules())

    # FastAPI's validation error shapes, replaced above by the API's own.
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)


def _errors(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    codes = [422]
    if "requestBody" in operation:
        codes += [400, 413]
    if operation.get("security"):
        codes.append(401)
    parameters = {(p.get("in"), p.get("name")) for p in operation.get("parameters", [])}
    if parameters & _ORGANIZATION_PARAMETERS:
        codes += [403, 404]
    for code in codes:
        answer = responses.setdefault(str(code), {"description": _GENERIC[code]})
        if code == 422 and "ErrorBody" not in str(answer.get("content")):
            answer["description"] = _GENERIC[422]
        answer["content"] = {"application/json": {"schema": _ERROR}}


def _no_null_in_query(operation: dict[str, Any]) -> None:
    """`X | None` query and header parameters: a query string or a header has no null,
    only a left-out value."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        branches = [b for b in schema.get("anyOf", []) if b != {"type": "null"}]
        if parameter.get("in") in ("query", "header") and len(branches) == 1:
            rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
            parameter["schema"] = {**branches[0], **rest}


def _metrics_security(operation: dict[str, Any], settings: Settings) -> None:
    if settings.metrics_token is None:
        operation.pop("security", None)
        operation["description"] = (
            operation.get("description", "")
            + "\n\nOpen: this server has no BETTERUPTIME_METRICS_TOKEN. A bearer token that"
            " is sent must still be valid (an organization's token scopes the series): an"
            " unknown one is a 401, never everything."
        ).strip()


def _minimum_interval(document: dict[str, Any], settings: Settings) -> None:
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("MonitorCreate", "MonitorUpdate"):
        interval = schemas.get(name, {}).get("properties", {}).get("interval_seconds")
        for branch in [interval, *(interval or {}).get("anyOf", [])]:
            if isinstance(branch, dict) and branch.get("type") == "integer":
                branch["minimum"] = settings.min_interval
