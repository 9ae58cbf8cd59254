"""The dashboard says when a monitor is checked from a region no live worker serves: on
the overview's row and on the monitor's page."""

from __future__ import annotations

from api.conftest import CreateMonitor, Headers
from api.test_regions import beat
from betteruptime.db.session import SessionFactory
from web.conftest import OpenBrowser


async def test_the_overview_and_the_monitor_page_show_the_warning(
    open_browser: OpenBrowser,
    alice: Headers,
    create_monitor: CreateMonitor,
    sessions: SessionFactory,
) -> None:
    await beat(sessions, "w1", "eu", age_s=1, checked=1, missed=0)
    stranded = await create_monitor(alice, name="Stranded", regions=["eu", "ap"])
    await create_monitor(alice, name="Served", regions=["eu"])
    browser = await open_browser("alice@example.com")

    overview = (await browser.get("/")).text
    page = (await browser.get(f"/monitors/{stranded['id']}")).text

    assert overview.count("no live worker in") == 1
    stranded_row = overview[overview.index("Stranded") :]
    assert "⚠ no live worker in ap" in stranded_row[: stranded_row.index("</a>")]
    assert '<p class="warning-line" role="alert">⚠ no live worker in ap</p>' in page
