"""Teams end to end, as people use them: `betteruptime up` mailing through a local SMTP
server, the real Chromium for the pages. An owner invites a viewer by email; the viewer
follows the mailed link, signs up from it and accepts, sees the owner's monitors and
cannot create one (403 in the API, no New monitor button and a refusal in the
dashboard); promoted to editor, they can. A read token lists but cannot write, a write
token can. The organization's audit log shows each change with the right actor: the
owner, the viewer who accepted, the token by its name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser

from browser.conftest import browser  # noqa: F401 (the fixture)
from e2e.conftest import Product
from testkit.smtp import SmtpServer
from testkit.waiting import eventually

PASSWORD = "correct horse battery"
_LINK = re.compile(r"https?://\S+/invitations/[A-Za-z0-9_-]+")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def product_env(smtp: SmtpServer) -> dict[str, str]:
    return {
        "BETTERUPTIME_SMTP_URL": f"smtp://{smtp.host}:{smtp.port}",
        "BETTERUPTIME_MAIL_FROM": "BetterUptime <uptime@example.com>",
    }


async def _sign_up(api: httpx.AsyncClient, email: str) -> dict[str, str]:
    made = await api.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD})
    assert made.status_code == 201, made.text
    return await _token(api, email)


async def _token(api: httpx.AsyncClient, email: str) -> dict[str, str]:
    token = await api.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _monitor(name: str) -> dict[str, object]:
    return {"name": name, "url": "http://127.0.0.1:9/", "interval_seconds": 60}


async def test_an_invited_viewer_joins_from_the_mail_and_is_promoted_to_editor(
    product: Product,
    smtp: SmtpServer,
    browser: Browser,  # noqa: F811
) -> None:
    async with httpx.AsyncClient(base_url=product.base, timeout=10) as api:
        owner = await _sign_up(api, "olivia@example.com")
        made = await api.post("/api/v1/organizations", json={"name": "Ops"}, headers=owner)
        team = made.json()["id"]
        in_team = {**owner, "X-Organization-Id": str(team)}
        created = await api.post("/api/v1/monitors", json=_monitor("Team API"), headers=in_team)
        assert created.status_code == 201, created.text

        invited = await api.post(
            f"/api/v1/organizations/{team}/invitations",
            json={"email": "victor@example.com", "role": "viewer"},
            headers=owner,
        )
        assert invited.status_code == 201 and invited.json()["mail_sent"] is True, invited.text
        await eventually(smtp.mails, within=10, what="the invitation mail")
        (mail,) = smtp.mails()
        assert mail.rcpt_tos == ["victor@example.com"]
        assert (
            mail.subject == "olivia@example.com invited you to join Ops on BetterUptime as viewer"
        )
        link = _LINK.search(mail.part("text/plain"))
        assert link is not None and link.group(0) == invited.json()["accept_url"]
        path = urlsplit(link.group(0)).path

        page = await browser.new_page()
        await page.goto(product.base + path)
        assert "invited you to join" in await page.inner_text("main")
        await page.click("main a[href^='/signup']")
        await page.wait_for_url(re.compile(r"/signup\?next="))
        await page.fill("input[name=email]", "victor@example.com")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(product.base + path)
        await page.click("text=Accept the invitation")
        await page.wait_for_url(product.base + "/")
        overview = await page.inner_text("main")
        assert "You joined Ops as viewer." in overview and "Team API" in overview
        assert await page.locator("a[href='/monitors/new']").count() == 0
        refused = await page.goto(product.base + "/monitors/new")
        assert refused is not None and refused.status == 403
        assert "Viewers cannot change monitors" in await page.inner_text("main")

        viewer = {**await _token(api, "victor@example.com"), "X-Organization-Id": str(team)}
        listed = await api.get("/api/v1/monitors", headers=viewer)
        forbidden = await api.post("/api/v1/monitors", json=_monitor("mine"), headers=viewer)
        assert [m["name"] for m in listed.json()] == ["Team API"]
        assert forbidden.status_code == 403, forbidden.text

        members = (await api.get(f"/api/v1/organizations/{team}/members", headers=owner)).json()
        victor = next(m["user_id"] for m in members if m["email"] == "victor@example.com")
        promoted = await api.patch(
            f"/api/v1/organizations/{team}/members/{victor}", json={"role": "editor"}, headers=owner
        )
        assert promoted.status_code == 200, promoted.text
        allowed = await api.post("/api/v1/monitors", json=_monitor("Victor's"), headers=viewer)
        assert allowed.status_code == 201, allowed.text
        await page.goto(product.base + "/monitors/new")
        await page.fill("input[name=name]", "From the form")
        await page.fill("input[name=url]", "http://127.0.0.1:9/")
        await page.click("text=Create monitor")
        await page.wait_for_url(re.compile(r"/monitors/\d+$"))

        read = await api.post(
            f"/api/v1/organizations/{team}/api-tokens",
            json={"name": "grafana", "scope": "read"},
            headers=owner,
        )
        read_token = {"Authorization": f"Bearer {read.json()['token']}"}
        reads = await api.get("/api/v1/monitors", headers=read_token)
        writes = await api.post("/api/v1/monitors", json=_monitor("no"), headers=read_token)
        assert sorted(m["name"] for m in reads.json()) == ["From the form", "Team API", "Victor's"]
        assert writes.status_code == 403 and "read-only" in writes.json()["message"]

        write = await api.post(
            f"/api/v1/organizations/{team}/api-tokens",
            json={"name": "deploy-bot", "scope": "write"},
            headers=owner,
        )
        write_token = {"Authorization": f"Bearer {write.json()['token']}"}
        by_bot = await api.post("/api/v1/monitors", json=_monitor("Bot's"), headers=write_token)
        assert by_bot.status_code == 201, by_bot.text

        log = await api.get("/api/v1/audit-log", params={"limit": 500}, headers=in_team)
        assert log.status_code == 200, log.text
        seen = {(e["action"], e["actor_type"], e["actor_name"], e["object_id"]) for e in log.json()}
        olivia = ("user", "olivia@example.com")
        assert {
            ("monitor.create", *olivia, created.json()["id"]),
            ("invitation.create", *olivia, invited.json()["id"]),
            ("invitation.accept", "user", "victor@example.com", invited.json()["id"]),
            ("member.update", *olivia, victor),
            ("monitor.create", "user", "victor@example.com", allowed.json()["id"]),
            ("api_token.create", *olivia, read.json()["id"]),
            ("api_token.create", *olivia, write.json()["id"]),
            ("monitor.create", "token", "deploy-bot", by_bot.json()["id"]),
        } <= seen
        # Refused writes change nothing and are not entries; the viewer may not read the log.
        assert not any(
            e["action"] == "monitor.create" and e["object_id"] is None for e in log.json()
        )
        assert (await api.get("/api/v1/audit-log", headers=read_token)).status_code == 403
