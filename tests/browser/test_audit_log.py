"""The audit log in a real browser against a real `betteruptime up`: the owner of a team
promotes a viewer to editor on the Organization page, the editor creates a monitor with
their API token, a refused write (as viewer, before) left nothing; the owner's Audit log
page shows each change with its actor, and filters by family."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from browser.test_organizations import OWNER, VIEWER, _sign_in, _token, product_with_db

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = pytest.mark.e2e
__all__ = ["product_with_db"]  # the fixture, shared


async def test_the_owner_reads_who_changed_what(
    browser: Browser, product_with_db: tuple[str, Path], artifacts: Path
) -> None:
    base, database = product_with_db
    async with httpx.AsyncClient(base_url=base) as api:
        owner = await _token(api, OWNER)
        viewer = await _token(api, VIEWER)
        team = (await api.post("/api/v1/organizations", json={"name": "Ops"}, headers=owner)).json()
        with sqlite3.connect(database) as db:  # a viewer (invitations come in part 2)
            db.execute(
                "INSERT INTO memberships (organization_id, user_id, role, created_at) SELECT ?, "
                "id, 'viewer', '2026-01-01 00:00:00' FROM users WHERE email = ?",
                (team["id"], VIEWER),
            )
        in_team = {**viewer, "X-Organization-Id": str(team["id"])}
        body = {"name": "Team API", "url": "http://127.0.0.1:9/", "interval_seconds": 60}
        refused = await api.post("/api/v1/monitors", json=body, headers=in_team)
        assert refused.status_code == 403

        context = await browser.new_context()
        page = await context.new_page()
        await _sign_in(page, base, OWNER)
        await page.select_option("#organization-switch", label="Ops (owner)")
        await page.click(".org-switcher button")
        await page.wait_for_url(base + "/")
        await page.goto(base + "/organization")
        await page.select_option(f"tr[data-member='{VIEWER}'] select", "editor")
        await page.click(f"tr[data-member='{VIEWER}'] button:has-text('Change role')")
        await page.wait_for_load_state()
        made = await api.post("/api/v1/monitors", json=body, headers=in_team)
        assert made.status_code == 201, made.text

    await page.click("nav >> text=Audit log")
    await page.wait_for_url(base + "/audit-log")
    rows = page.locator("table.audit-log tbody tr")
    actions = await rows.evaluate_all("rows => rows.map(r => r.dataset.action)")
    assert actions == ["monitor.create", "member.update", "organization.create"]
    created = page.locator("tr[data-action='monitor.create'] .actor")
    assert (await created.inner_text()).startswith(VIEWER)
    promoted = page.locator("tr[data-action='member.update']")
    assert OWNER in await promoted.inner_text()
    assert '"viewer" → "editor"' in await promoted.locator(".changes").inner_text()
    await page.screenshot(path=artifacts / "audit-01-log.png", full_page=True)

    await page.fill("input[name=action]", "member.*")
    await page.click("form.audit-filters button[type=submit]")
    await page.wait_for_url("**/audit-log?*")
    assert await rows.count() == 1
    await page.screenshot(path=artifacts / "audit-02-filtered.png")
    await context.close()
