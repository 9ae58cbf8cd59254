"""Heartbeat ping URLs: what cron jobs call. Not under /api/v1 and without auth: the
token in the URL is the secret (192 random bits), as in every heartbeat service.

    GET|HEAD|POST /ping/<token>            the job ran (success)
    GET|HEAD|POST /ping/<token>/start      a run began (its end reports the duration)
    GET|HEAD|POST /ping/<token>/fail       the job failed
    GET|HEAD|POST /ping/<token>/<status>   the job's exit status: 0 success, 1-255 failure

A POST body (up to 10 kB: a log tail, say) is kept with the check. Each ping becomes a
CheckResult on the result queue (region "ping", due at the moment it arrived), so the
ingester decides it like any probe result. This is the hot path: for a known token no
database access, no JSON parsing, one dict lookup (api/ping_tokens.py: when a token is
looked up); nothing here logs the token.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.routing import Route

from betteruptime.api.errors import ErrorBody, error_response
from betteruptime.api.ping_tokens import LookupUnavailable
from betteruptime.api.pings import PingIntake
from betteruptime.domain.heartbeats import MAX_PING_BODY_BYTES, PING_REGION, ping_report
from betteruptime.domain.messages import CheckResult
from betteruptime.logs import get_logger, kv

router = APIRouter(prefix="/ping", tags=["heartbeats"])
log = get_logger("api")

METHODS = ["GET", "HEAD", "POST"]
_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/plain": {"example": "OK"}}, "description": "Recorded."},
    404: {"model": ErrorBody, "description": "Unknown token (or unknown action)."},
    413: {"model": ErrorBody, "description": "The body is larger than 10 kB."},
    503: {"model": ErrorBody, "description": "Not recorded; retry."},
}
_OK = b"OK"
_TOO_LARGE = (
    f"A ping body is kept up to {MAX_PING_BODY_BYTES:,} bytes; this one is larger. "
    f"Send the end of the output instead (for example: tail -c {MAX_PING_BODY_BYTES})."
)


def install(app: FastAPI) -> None:
    """Serve the ping URLs ahead of every other route, and document them in OpenAPI.

    They are served by plain Starlette routes placed first: FastAPI's per-request
    machinery (dependency solving, parameter validation, included-router matching)
    costs more than everything a ping does (measured in-process: 160 us of CPU per
    ping through a FastAPI route, 45 us through these). The FastAPI routes below only
    carry the OpenAPI description: the routes in front shadow them, so they never run.
    """
    fast = [
        Route("/ping/{token}", _serve, methods=METHODS),
        Route("/ping/{token}/{action}", _serve, methods=METHODS),
    ]
    app.router.routes[0:0] = fast
    app.include_router(router)


async def _serve(request: Request) -> Response:
    params = request.path_params
    return await _receive(request, params["token"], params.get("action"))


async def ping(token: str, request: Request) -> Response:
    """The job ran and succeeded. A POST body (up to 10 kB) is kept with the check."""
    return await _receive(request, token, None)


async def ping_action(token: str, action: str, request: Request) -> Response:
    """`action` is `start`, `fail`, or the job's exit status (0 success, 1-255 failure)."""
    return await _receive(request, token, action)


# One documented route per method, so each gets an OpenAPI operation id of its own.
for _method in METHODS:
    router.add_api_route(
        "/{token}", ping, methods=[_method], responses=_RESPONSES, summary="Ping: success"
    )
    router.add_api_route(
        "/{token}/{action}",
        ping_action,
        methods=[_method],
        responses=_RESPONSES,
        summary="Ping: start, fail or an exit status",
    )


async def _receive(request: Request, token: str, action: str | None) -> Response:
    intake: PingIntake | None = request.app.state.pings
    if intake is None:
        return error_response(
            503,
            "pings_unavailable",
            "This server does not accept pings: its api has no result queue "
            "(run `betteruptime up`, or set RABBITMQ_URL for `betteruptime api`).",
        )
    try:
        target = await intake.tokens.resolve(token)
    except LookupUnavailable:
        return _not_recorded()
    if target is None:
        return error_response(
            404, "not_found", "No heartbeat monitor has this ping URL; check the token."
        )
    report = ping_report(action)
    if report is None:
        return error_response(
            404,
            "not_found",
            "Unknown ping URL: after the token, use /start, /fail or an exit status 0-255.",
        )
    body: str | None = None
    if request.method == "POST":
        raw = await _read_body(request)
        if raw is None:
            return error_response(413, "content_too_large", _TOO_LARGE)
        body = _as_text(raw)
    if target.paused:
        return PlainTextResponse("OK (monitor paused: ping not recorded)")
    now = datetime.now(UTC)
    result = CheckResult(
        monitor_id=target.monitor_id,
        region=PING_REGION,
        due_at=now,
        checked_at=now,
        up=report.up,
        error=report.error,
        body=body,
        ping="start" if report.start else "end",
    )
    try:
        await intake.publish(result)
    except Exception as error:  # the broker is away; the job's retry (curl --retry) helps
        log.warning(kv(event="ping_not_published", error=type(error).__name__))
        return _not_recorded()
    return Response(_OK, media_type="text/plain")


def _not_recorded() -> Response:
    return error_response(
        503, "ping_not_recorded", "The ping could not be recorded right now; retry."
    )


async def _read_body(request: Request) -> bytes | None:
    """The body, or None when it is over the limit (stops reading there)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_PING_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_PING_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _as_text(raw: bytes) -> str | None:
    """The body as text; None when empty. NUL becomes U+FFFD: PostgreSQL text refuses
    it, and one such ping must not stall the ingester's batch."""
    if not raw:
        return None
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
