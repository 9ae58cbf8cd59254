"""NUL in a URL: refused before any route reads it.

A path or a query parameter can reach the database (a status page's slug, a sign-in's
`next`), and PostgreSQL cannot hold NUL in text: one such URL would be a 500 there and
stored on SQLite. Request bodies are guarded by their models (`schemas.text`), the
dashboard's forms by its CSRF check (`web.deps.check_csrf`); this is the rest.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from betteruptime.api.errors import ErrorDetail, error_response
from betteruptime.schemas.text import NUL, NUL_MESSAGE


def nul_fields(pairs: list[tuple[str, str]]) -> list[str]:
    """The names of the fields (of a query or a form) whose name or value holds a NUL."""
    return list(dict.fromkeys(name for name, value in pairs if NUL in name or NUL in value))


def nul_response(fields: list[str]) -> JSONResponse:
    """The 422 naming each field that holds a NUL, in the API's error shape."""
    details = [ErrorDetail(field=field, message=NUL_MESSAGE) for field in fields]
    return error_response(
        422, "validation_error", f"Invalid input in: {', '.join(fields)}.", details=details
    )


class NulGuard:
    """422 for a request whose path or query string holds a NUL (`%00`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            fields = _url_nul_fields(scope)
            if fields:
                await nul_response(fields)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _url_nul_fields(scope: Scope) -> list[str]:
    fields = ["path"] if NUL in scope["path"] else []
    query: bytes = scope["query_string"]
    if b"%00" in query or b"\x00" in query:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
        fields += nul_fields(pairs) or ["query"]
    return fields
