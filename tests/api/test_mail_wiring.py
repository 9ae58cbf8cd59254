"""The api holds the product's mailer for the routes that send mail (invitations): none
while BETTERUPTIME_SMTP_URL is unset, else one sending through that server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from betteruptime.api.deps import MailerDep
from betteruptime.db.session import SessionFactory
from betteruptime.mail.message import MailMessage
from betteruptime.runtime.app import create_app
from betteruptime.settings import Settings
from testkit.smtp import SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def _with_mail_route(app: FastAPI) -> FastAPI:
    """A route of the test's own that mails through the dependency, as a router would."""

    @app.post("/test-mail")
    async def send(mailer: MailerDep) -> dict[str, bool]:
        if mailer is None:
            return {"sent": False}
        await mailer.send(MailMessage(to="ann@example.com", subject="Hi", text="Hello\n"))
        return {"sent": True}

    return app


async def _post(app: FastAPI) -> bool:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/test-mail")
    assert response.status_code == 200, response.text
    return bool(response.json()["sent"])


async def test_without_an_smtp_url_routes_get_no_mailer(
    settings: Settings, sessions: SessionFactory
) -> None:
    assert await _post(_with_mail_route(create_app(settings, sessions))) is False


async def test_with_an_smtp_url_routes_mail_through_it(
    settings: Settings, sessions: SessionFactory, smtp: SmtpServer
) -> None:
    url = SecretStr(f"smtp://{smtp.host}:{smtp.port}")
    configured = settings.model_copy(update={"smtp_url": url, "mail_from": "up@example.com"})

    assert await _post(_with_mail_route(create_app(configured, sessions))) is True
    [mail] = smtp.mails()
    assert mail.mail_from == "up@example.com" and mail.rcpt_tos == ["ann@example.com"]
