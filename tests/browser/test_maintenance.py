"""Maintenance windows in a real browser against a real `betteruptime up`: create a
one-off window for a monitor with the form, see the overview say it is in maintenance,
end the window now, and see it say so no more (without reloading: the list refreshes
itself). Any JavaScript error fails it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from betteruptime.db.types import utcnow
from browser.test_dashboard import _nav, _sign_up, _watch_errors

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = pytest.mark.e2e

LOCAL = "%Y-%m-%dT%H:%M"
TIMEOUT_MS = 15_000


async def test_a_one_off_window_puts_a_monitor_in_maintenance_until_it_is_ended_now(
    browser: Browser, product: str, artifacts: Path
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    errors = _watch_errors(page)
    await _sign_up(page, product, artifacts)
    await page.goto(product + "/monitors/new")
    await page.fill("input[name=name]", "Shop")
    await page.fill("input[name=url]", "https://shop.example/")
    await page.click("button.primary[type=submit]")
    await page.wait_for_url(f"{product}/monitors/*")
    monitor_id = page.url.rsplit("/", 1)[1]

    await _nav(page, "Maintenance").click()
    await page.get_by_text("No maintenance windows yet").wait_for()
    await page.get_by_role("link", name="New maintenance window").first.click()
    now = utcnow()
    await page.fill("input[name=name]", "Database upgrade")
    await page.check("input[name=form][value=one_off]")
    await page.fill("input[name=starts_at]", (now - timedelta(minutes=5)).strftime(LOCAL))
    await page.fill("input[name=ends_at]", (now + timedelta(hours=2)).strftime(LOCAL))
    await page.check(f"input[name=monitor_ids][value='{monitor_id}']")
    await page.screenshot(path=artifacts / "maintenance-form.png", full_page=True)
    await page.get_by_role("button", name="Create maintenance window").click()
    await page.wait_for_url(product + "/maintenance")
    await page.get_by_text("in progress").wait_for()
    await page.screenshot(path=artifacts / "maintenance-list.png", full_page=True)

    overview = await context.new_page()
    await overview.goto(product + "/")
    row = overview.locator(f'a.row.monitor[data-monitor-id="{monitor_id}"]')
    await row.get_by_text("in maintenance").wait_for(timeout=TIMEOUT_MS)
    await overview.screenshot(path=artifacts / "maintenance-overview.png", full_page=True)

    await page.get_by_role("button", name="End now").click()
    await page.wait_for_url(product + "/maintenance")
    await page.get_by_text("“Database upgrade” ended.").wait_for()

    # The overview refreshes itself every 3 s: no reload.
    await row.get_by_text("in maintenance").wait_for(state="detached", timeout=TIMEOUT_MS)
    assert await row.get_attribute("data-maintenance") is None
    await overview.goto(f"{product}/monitors/{monitor_id}")
    assert await overview.get_by_text("in maintenance").count() == 0
    assert errors == []
    await context.close()
