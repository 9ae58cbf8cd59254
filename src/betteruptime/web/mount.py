"""`mount_web` adds the dashboard's routes, static files and error pages to the api."""

from __future__ import annotations

from pathlib import Path

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from betteruptime.api.inputs import nul_response
from betteruptime.auth.oidc import OidcClient
from betteruptime.logs import get_logger, kv
from betteruptime.settings import Settings
from betteruptime.web.access import Forbidden
from betteruptime.web.assets import STATIC_DIR, missing_vendor_files
from betteruptime.web.deps import (
    CsrfRejected,
    FormHasNul,
    LoginRequired,
    NotFound,
    WebState,
    finish,
    login_redirect,
    not_found_page,
    render,
)
from betteruptime.web.formatting import install_filters
from betteruptime.web.session import SessionSigner
from betteruptime.web.views import (
    accounts,
    api_docs,
    audit_log,
    badges,
    channels,
    incidents,
    maintenance,
    monitor_forms,
    monitors,
    oidc,
    organizations,
    overview,
    screenshots,
    status_page_forms,
    status_pages,
    teams,
    two_factor,
)

TEMPLATES_DIR = Path(__file__).parent / "templates"
log = get_logger("web")


async def _on_login_required(request: Request, _: Exception) -> Response:
    return login_redirect(request)


async def _on_csrf_rejected(request: Request, _: Exception) -> Response:
    return render(request, "403.html", status_code=403)


async def _on_forbidden(request: Request, error: Exception) -> Response:
    assert isinstance(error, Forbidden)
    return render(request, "forbidden.html", {"message": error.message}, status_code=403)


async def _on_not_found(request: Request, error: Exception) -> Response:
    assert isinstance(error, NotFound)
    if error.as_json:
        return finish(request, JSONResponse({"error": "not_found"}, status_code=404))
    return not_found_page(request, error.what)


async def _on_form_has_nul(_: Request, error: Exception) -> Response:
    assert isinstance(error, FormHasNul)
    return nul_response(error.fields)


def mount_web(app: FastAPI, settings: Settings) -> None:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,  # a misspelt variable fails a test, not a page
    )
    install_filters(env)
    missing = missing_vendor_files()
    if missing:
        log.warning(kv(event="assets_missing", files=",".join(missing), fix="scripts/up"))
    app.state.web = WebState(
        signer=SessionSigner(
            settings.resolved_secret_key(), max_age_seconds=settings.token_ttl_days * 86400
        ),
        templates=Jinja2Templates(env=env),
        missing_assets=missing,
        oidc=OidcClient.from_settings(settings),
    )
    app.add_exception_handler(LoginRequired, _on_login_required)
    app.add_exception_handler(CsrfRejected, _on_csrf_rejected)
    app.add_exception_handler(NotFound, _on_not_found)
    app.add_exception_handler(Forbidden, _on_forbidden)
    app.add_exception_handler(FormHasNul, _on_form_has_nul)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    routers = (
        accounts.router,
        overview.router,
        monitor_forms.router,  # before monitors: /monitors/new is not a monitor's page
        monitors.router,
        screenshots.router,
        channels.router,
        incidents.router,
        status_pages.router,
        status_page_forms.router,
        maintenance.router,
        badges.router,
        api_docs.router,
        two_factor.router,
        organizations.router,
        audit_log.router,
        teams.router,
    )
    for router in routers:
        app.include_router(router)
    if app.state.web.oidc is not None:  # no sign-in-with-provider routes unless set up
        app.include_router(oidc.router)
