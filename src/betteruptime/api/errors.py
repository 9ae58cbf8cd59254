"""The one error mapping: every error leaves the API as the same JSON shape.

    {"error": "<code>", "message": "<one readable sentence>",
     "details": [{"field": "interval_seconds", "message": "..."}]}

`details` is present only for validation errors. Request inputs are never echoed back
(a rejected password must not appear in a response or a log).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from betteruptime.logs import get_logger, kv
from betteruptime.schemas.field_paths import field_path
from betteruptime.services.incidents import IncidentResolvedError
from betteruptime.services.monitors import MonitorInvalidError
from betteruptime.services.users import EmailTakenError, UserInputError

log = get_logger("api")

_PREFIXES = ("Value error, ", "Assertion failed, ")
# Codes that read better than the snake_cased reason phrase of the status.
_CODES = {413: "content_too_large"}
_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE")


class ErrorDetail(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    """What every 4xx and 5xx response carries (for the OpenAPI document)."""

    error: str
    message: str
    details: list[ErrorDetail] | None = None


class ApiError(Exception):
    """Raised by routes and dependencies for an error response of the standard shape."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code, self.code, self.message, self.headers = (
            status_code,
            code,
            message,
            headers,
        )


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found.")


def error_response(
    status_code: int,
    code: str,
    message: str,
    *,
    details: Sequence[ErrorDetail] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"error": code, "message": message}
    if details is not None:
        body["details"] = [detail.model_dump() for detail in details]
    return JSONResponse(body, status_code=status_code, headers=headers)


def _detail(error: Any) -> ErrorDetail:
    message = str(error.get("msg", "is invalid"))
    for prefix in _PREFIXES:
        message = message.removeprefix(prefix)
    kind, loc = error.get("type"), tuple(error.get("loc", ()))
    if kind == "missing":
        message = "this field is required"
    elif kind == "extra_forbidden":
        message = "unknown field"
    elif loc and loc[-1] == "[key]":
        message = f"invalid name: {message}"
    if loc == ("body",) and kind in ("missing", "model_attributes_type", "dict_type"):
        message = "the request body must be a JSON object sent with Content-Type: application/json"
    return ErrorDetail(field=field_path(loc), message=message)


def _validation_response(errors: Sequence[Any]) -> JSONResponse:
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "it cannot be parsed")
            position = error.get("loc", (None, None))[-1]
            return error_response(
                400,
                "malformed_json",
                f"The request body is not valid JSON: {reason} (at character {position}).",
            )
    details = validation_details(errors)
    fields = ", ".join(detail.field for detail in details)
    return error_response(422, "validation_error", f"Invalid input in: {fields}.", details=details)


def validation_details(errors: Sequence[Any]) -> list[ErrorDetail]:
    """Pydantic's errors as field and message, each once: what the API answers and what
    the dashboard's forms show next to their fields."""
    return _dedupe([_detail(error) for error in errors])


def _dedupe(details: list[ErrorDetail]) -> list[ErrorDetail]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for detail in details:
        if (detail.field, detail.message) not in seen:
            seen.add((detail.field, detail.message))
            unique.append(detail)
    return unique


async def _on_request_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _validation_response(exc.errors())


async def _on_api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.code, exc.message, headers=exc.headers)


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    # Starlette's own errors: unknown route (404), wrong method (405), body too large (413).
    assert isinstance(exc, StarletteHTTPException)
    headers = exc.headers
    if exc.status_code == 404:
        redirect = _without_trailing_slash(request)
        if redirect is not None:
            return redirect
    if exc.status_code == 405:
        # Starlette names the methods of the first route that matched the path only;
        # the path's other routes (PATCH, DELETE beside GET) are allowed as well.
        headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(request))}
    phrase = HTTPStatus(exc.status_code).phrase
    message = exc.detail if exc.detail and exc.detail != phrase else f"{phrase.capitalize()}."
    code = _CODES.get(exc.status_code) or phrase.lower().replace(" ", "_").replace("-", "_")
    return error_response(exc.status_code, code, message, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app takes at the request's path."""
    routes: list[BaseRoute] = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(r.matches({**request.scope, "method": method})[0] is Match.FULL for r in routes)
    ]


def _routes(request: Request, path: str | None = None) -> list[BaseRoute]:
    """The app's routes that match `path` (default: the request's), whatever the method."""
    scope = {**request.scope, "path": request.url.path if path is None else path}
    return [r for r in request.app.router.routes if r.matches(scope)[0] is not Match.NONE]


def _without_trailing_slash(request: Request) -> Response | None:
    """`/incidents/` answered with a redirect to `/incidents` when that exists. Relative,
    unlike Starlette's own (turned off in create_api), which wrote the Host header into
    the Location: any client can forge that header."""
    path = request.url.path
    target = path.rstrip("/")
    if path == target or not target.startswith("/") or target.startswith("//"):
        return None
    if not _routes(request, target):
        return None
    query = request.url.query
    return RedirectResponse(target + (f"?{query}" if query else ""), status_code=307)


async def _on_monitor_invalid(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MonitorInvalidError)
    details = [ErrorDetail(field=p.field, message=p.message) for p in exc.problems]
    fields = ", ".join(detail.field for detail in details)
    return error_response(422, "validation_error", f"Invalid input in: {fields}.", details=details)


async def _on_user_input(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UserInputError)
    details = [ErrorDetail(field=exc.field, message=str(exc))]
    return error_response(
        422, "validation_error", f"Invalid input in: {exc.field}.", details=details
    )


async def _on_email_taken(_: Request, exc: Exception) -> JSONResponse:
    return error_response(409, "email_taken", "A user with this email already exists.")


async def _on_incident_resolved(_: Request, exc: Exception) -> JSONResponse:
    return error_response(
        409,
        "incident_resolved",
        "This incident is already resolved; there is nothing to acknowledge.",
    )


class BodyLimitMiddleware:
    """Refuse request bodies over `max_bytes` with a 413 in the standard shape.

    A declared Content-Length is checked before anything is read; a chunked body is
    counted as it arrives, and the HTTPException raised mid-read reaches the handlers.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large()(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise StarletteHTTPException(413, self._too_large_message())
            return message

        await self.app(scope, counting_receive, send)

    def _too_large_message(self) -> str:
        return f"The request body is larger than {self.max_bytes // 1024} KiB."

    def _too_large(self) -> JSONResponse:
        return error_response(413, "content_too_large", self._too_large_message())


class CatchAllMiddleware:
    """Turn an unhandled exception into a logged 500 with the standard body.

    Inside Starlette's ServerErrorMiddleware, so the error is answered and logged once,
    here, instead of re-raised for the server to log a second time.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            # The route template, not the path: paths may carry secrets (ping tokens).
            route = getattr(scope.get("route"), "path", "?")
            log.exception(kv(event="unhandled_error", method=scope.get("method"), route=route))
            if started:
                raise
            response = error_response(
                500, "internal_error", "Something went wrong on our side; it has been logged."
            )
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_request_validation)
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(MonitorInvalidError, _on_monitor_invalid)
    app.add_exception_handler(UserInputError, _on_user_input)
    app.add_exception_handler(EmailTakenError, _on_email_taken)
    app.add_exception_handler(IncidentResolvedError, _on_incident_resolved)
    app.add_middleware(CatchAllMiddleware)
