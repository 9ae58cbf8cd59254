"""The monitor form's assertion rows in a real browser: Add an assertion and Remove
change the rows in the page, and what is saved is what the rows say."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from testkit.api import signed_in_client

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "ops@example.com", "correct horse"  # testkit.api.signed_in_client's


async def test_rows_are_added_and_removed_in_the_page_and_saved_as_shown(
    browser: Browser, product: str
) -> None:
    async with signed_in_client(product) as api:
        page = await browser.new_page()
        await page.goto(f"{product}/login")
        await page.fill("input[name=email]", EMAIL)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(product + "/")
        await page.goto(f"{product}/monitors/new")
        await page.fill("input[name=name]", "shop api")
        await page.fill("input[name=url]", "https://shop.example/api")
        rows = page.locator("#assertion-rows tbody tr")
        assert await rows.count() == 1

        add = page.get_by_role("button", name="Add an assertion")
        await add.click()
        await add.click()
        assert await rows.count() == 3
        for index, (source, prop, comparison, target) in enumerate(
            [
                ("header", "X-Gone", "exists", ""),
                ("header", "Content-Type", "contains", "json"),
                ("status_code", "", "equals", "200"),
            ]
        ):
            row = rows.nth(index)
            await row.locator("select[name=assertion_source]").select_option(source)
            await row.locator("input[name=assertion_property]").fill(prop)
            await row.locator("select[name=assertion_comparison]").select_option(comparison)
            await row.locator("input[name=assertion_target]").fill(target)
        await rows.nth(0).get_by_role("button", name="Remove").click()
        assert await rows.count() == 2
        await page.get_by_role("button", name="Create monitor").click()
        await page.wait_for_url(f"{product}/monitors/*")

        (monitor,) = (await api.get("/monitors")).json()
        assert monitor["assertions"] == [
            {
                "source": "header",
                "property": "Content-Type",
                "comparison": "contains",
                "target": "json",
            },
            {"source": "status_code", "comparison": "equals", "target": "200"},
        ]
        await page.close()
