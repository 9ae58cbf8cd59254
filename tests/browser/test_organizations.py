"""Organizations in a real browser against a real `betteruptime up`: the owner of a team
switches to it in the top bar and sees the team's monitors (not their personal ones),
then sees its members on the Organization page; a viewer of the team sees its monitors
with no write controls, and a write sent anyway is refused with a 403 page."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from testkit.api import embedded_product

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from playwright.async_api import Browser, Page

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
OWNER, VIEWER = "owner@example.com", "viewer@example.com"


@pytest.fixture
async def product_with_db(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    async with embedded_product(tmp_path) as (_, base):
        yield base, tmp_path / "betteruptime.db"


async def _token(api: httpx.AsyncClient, email: str) -> dict[str, str]:
    signed = await api.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD})
    assert signed.status_code == 201, signed.text
    token = await api.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def _monitor(api: httpx.AsyncClient, headers: dict[str, str], name: str) -> None:
    body = {"name": name, "url": "http://127.0.0.1:9/", "interval_seconds": 60}
    made = await api.post("/api/v1/monitors", json=body, headers=headers)
    assert made.status_code == 201, made.text


async def _sign_in(page: Page, base: str, email: str) -> None:
    await page.goto(base + "/login")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url(base + "/")


async def test_switching_organization_shows_that_organizations_monitors(
    browser: Browser, product_with_db: tuple[str, Path], artifacts: Path
) -> None:
    base, database = product_with_db
    async with httpx.AsyncClient(base_url=base) as api:
        owner = await _token(api, OWNER)
        await _token(api, VIEWER)
        await _monitor(api, owner, "Personal blog")
        team = (await api.post("/api/v1/organizations", json={"name": "Ops"}, headers=owner)).json()
        await _monitor(api, {**owner, "X-Organization-Id": str(team["id"])}, "Team API")
    with sqlite3.connect(database) as db:  # a viewer (invitations come in a later part)
        db.execute(
            "INSERT INTO memberships (organization_id, user_id, role, created_at) SELECT ?, id, "
            "'viewer', '2026-01-01 00:00:00' FROM users WHERE email = ?",
            (team["id"], VIEWER),
        )

    context = await browser.new_context()
    page = await context.new_page()
    await _sign_in(page, base, OWNER)
    await page.get_by_text("Personal blog").wait_for()
    assert await page.get_by_text("Team API").count() == 0

    await page.select_option("#organization-switch", label="Ops (owner)")
    await page.click(".org-switcher button")
    await page.wait_for_url(base + "/")
    await page.get_by_text("Team API").wait_for()
    assert await page.get_by_text("Personal blog").count() == 0
    await page.screenshot(path=artifacts / "org-01-switched.png")
    await page.goto(base + "/organization")
    assert await page.locator("tr[data-member='viewer@example.com'] .role").inner_text() == (
        "viewer"
    )
    await page.screenshot(path=artifacts / "org-02-members.png")
    await context.close()

    viewer = await browser.new_context()
    page = await viewer.new_page()
    await _sign_in(page, base, VIEWER)
    await page.select_option("#organization-switch", label="Ops (viewer)")
    await page.click(".org-switcher button")
    await page.get_by_text("Team API").wait_for()
    assert await page.get_by_role("link", name="New monitor").count() == 0
    await page.get_by_text("Team API").click()
    await page.wait_for_url("**/monitors/*")
    assert await page.get_by_role("button", name="Pause").count() == 0
    answer = await page.goto(base + "/monitors/new")
    assert answer is not None and answer.status == 403
    await page.get_by_text("Viewers cannot change monitors").wait_for()
    await page.screenshot(path=artifacts / "org-03-viewer-refused.png")
    await viewer.close()
