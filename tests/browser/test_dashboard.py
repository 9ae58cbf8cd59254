"""The dashboard in a real browser against a real `betteruptime up`, as a new user meets
it: sign up, create a monitor with the form (a mistake first, shown by its field), watch
it turn up and then down without reloading, open its chart, acknowledge the incident,
add a channel, publish a status page and open it signed out. Screenshots of each page go
to test-artifacts/dashboard/; any JavaScript error (a CSP violation included) fails it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from testkit.target import Target

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Locator, Page

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "ops@example.com", "correct horse battery"
STATUS_TIMEOUT_MS = 20_000
SLUG = "local-shop"


# Chromium logs every 4xx page load as a console error; a refused form answers 422 by
# design (the form again, with the messages by their fields).
_REFUSED_FORM = "Failed to load resource: the server responded with a status of 422"


def _watch_errors(page: Page) -> list[str]:
    errors: list[str] = []

    def on_console(text: str, kind: str) -> None:
        if kind == "error" and not text.startswith(_REFUSED_FORM):
            errors.append(text)

    page.on("console", lambda msg: on_console(msg.text, msg.type))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _nav(page: Page, name: str) -> Locator:
    """A link of the main navigation (breadcrumbs may carry the same name)."""
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


async def _sign_up(page: Page, product: str, artifacts: Path) -> None:
    await page.goto(product + "/signup")
    assert await page.title() == "Create an account · BetterUptime"
    await page.fill("input[name=email]", EMAIL)
    await page.fill("input[name=password]", PASSWORD)
    await page.screenshot(path=artifacts / "01-signup.png")
    await page.click("button.primary[type=submit]")
    await page.wait_for_url(product + "/")
    await page.get_by_text("No monitors yet").wait_for()
    await page.screenshot(path=artifacts / "02-overview-empty.png")


async def _create_monitor_with_the_form(page: Page, product: str, url: str, artifacts: Path) -> int:
    await page.get_by_role("link", name="New monitor").first.click()
    await page.wait_for_url(product + "/monitors/new")
    await page.fill("input[name=name]", "Local shop")
    await page.select_option("select[name=kind]", "http")
    await page.fill("input[name=url]", url)
    await page.fill("input[name=interval_seconds]", "0")  # a mistake, shown by its field
    await page.click("button.primary[type=submit]")
    await page.locator("#interval_seconds-error").wait_for()
    assert await page.input_value("input[name=url]") == url  # what was typed is kept
    await page.screenshot(path=artifacts / "03-monitor-form-error.png", full_page=True)

    await page.fill("input[name=interval_seconds]", "1")
    await page.fill("input[name=timeout_seconds]", "0.5")
    await page.fill("input[name=failure_threshold]", "2")
    await page.fill("input[name=recovery_threshold]", "2")
    await page.click("button.primary[type=submit]")
    await page.wait_for_url(f"{product}/monitors/*")
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


async def _publish_status_page(page: Page, product: str, artifacts: Path) -> None:
    await page.goto(product + "/status-pages/new")
    await page.fill("input[name=title]", "Local shop")
    await page.fill("input[name=slug]", SLUG)
    await page.check("input[name=monitor_ids]")
    await page.screenshot(path=artifacts / "09-status-page-form.png", full_page=True)
    await page.click("button.primary[type=submit]")
    await page.wait_for_url(product + "/status-pages")
    await page.get_by_text(f"/status/{SLUG}").first.wait_for()
    await page.screenshot(path=artifacts / "10-status-pages.png", full_page=True)


async def test_a_user_sets_up_a_monitor_and_a_status_page_in_the_browser(
    browser: Browser, product: str, target: Target, artifacts: Path
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 860})
    page = await context.new_page()
    errors = _watch_errors(page)

    await _sign_up(page, product, artifacts)
    monitor_id = await _create_monitor_with_the_form(page, product, target.url, artifacts)

    await _nav(page, "Monitors").click()
    await page.wait_for_url(product + "/")
    # Set on this page load only: still there later means the page was never reloaded.
    await page.evaluate("window.__sameLoad = true")
    row = f'[data-monitor-id="{monitor_id}"]'
    await page.wait_for_selector(f'{row}[data-status="up"]', timeout=STATUS_TIMEOUT_MS)
    await page.wait_for_selector(f"{row} .spark", timeout=STATUS_TIMEOUT_MS)
    assert await page.evaluate("window.__sameLoad") is True
    assert await page.title() == "Monitors · BetterUptime"
    await page.screenshot(path=artifacts / "04-overview-up.png")

    await target.stop()
    await page.wait_for_selector(f'{row}[data-status="down"]', timeout=STATUS_TIMEOUT_MS)
    assert await page.evaluate("window.__sameLoad") is True
    assert await page.title() == "(1 down) Monitors · BetterUptime"
    await page.screenshot(path=artifacts / "05-overview-down.png")

    await page.click(row)
    await page.wait_for_url(f"{product}/monitors/{monitor_id}")
    assert (await page.title()).startswith("Local shop (down)")
    # A monitor checked for a few seconds opens on the last hour, not on 24 h.
    await page.wait_for_selector('#chart[data-loaded-range="1h"] canvas')
    assert await page.get_attribute('button[data-range="1h"]', "aria-pressed") == "true"
    await page.click('button[data-range="24h"]')
    await page.wait_for_selector('#chart[data-loaded-range="24h"] canvas')
    assert await page.get_attribute('button[data-range="24h"]', "aria-pressed") == "true"
    await page.screenshot(path=artifacts / "06-monitor.png", full_page=True)

    await _nav(page, "Incidents").click()
    await page.wait_for_url(product + "/incidents*")
    await page.get_by_role("button", name="Acknowledge").first.click()
    await page.locator(".pill.ack").first.wait_for()
    await page.screenshot(path=artifacts / "07-incidents.png", full_page=True)

    await _nav(page, "Channels").click()
    await page.wait_for_url(product + "/channels")
    await page.fill("input[name=name]", "Ops webhook")
    await page.fill("input[name=url]", "json://127.0.0.1:9/hook")
    await page.get_by_role("button", name="Add channel").click()
    await page.get_by_text("Ops webhook").first.wait_for()
    await page.screenshot(path=artifacts / "08-channels.png", full_page=True)

    await _nav(page, "API").click()
    await page.wait_for_url(product + "/docs")
    await page.locator(".opblock").first.wait_for()  # Swagger UI, from local files
    await page.screenshot(path=artifacts / "15-api-docs.png")

    await _publish_status_page(page, product, artifacts)
    errors += await _visit_signed_out(browser, product, artifacts)
    errors += await _visit_on_a_phone_in_dark_mode(browser, context, product, monitor_id, artifacts)

    assert errors == []
    await context.close()


async def _visit_signed_out(browser: Browser, product: str, artifacts: Path) -> list[str]:
    """The public status page, with no session at all: the monitor, down, and the banner."""
    visitor = await browser.new_context(viewport={"width": 1100, "height": 860})
    page = await visitor.new_page()
    errors = _watch_errors(page)
    await page.goto(f"{product}/status/{SLUG}")
    assert "Local shop" in await page.title()
    await page.get_by_text("Major outage").first.wait_for()
    await page.get_by_text("Local shop").first.wait_for()
    await page.screenshot(path=artifacts / "11-public-status-page.png", full_page=True)
    await visitor.close()
    return errors


async def _visit_on_a_phone_in_dark_mode(
    browser: Browser, context: BrowserContext, product: str, monitor_id: int, artifacts: Path
) -> list[str]:
    phone = await browser.new_context(
        viewport={"width": 390, "height": 844},
        color_scheme="dark",
        storage_state=await context.storage_state(),
    )
    page = await phone.new_page()
    errors = _watch_errors(page)
    await page.goto(product + "/")
    await page.wait_for_selector(f'[data-monitor-id="{monitor_id}"][data-status="down"]')
    await page.screenshot(path=artifacts / "12-overview-phone-dark.png", full_page=True)
    await page.goto(f"{product}/monitors/{monitor_id}")
    await page.wait_for_selector('#chart[data-loaded-range="1h"] canvas')
    await page.screenshot(path=artifacts / "13-monitor-phone-dark.png", full_page=True)
    await page.goto(f"{product}/status/{SLUG}")
    await page.get_by_text("Major outage").first.wait_for()
    await page.screenshot(path=artifacts / "14-status-page-phone-dark.png", full_page=True)
    await phone.close()
    return errors
