"""A TCP monitor of a line protocol, edited in a real browser and saved unchanged: it
sends exactly what it sent before and stays up (the issue's false [DOWN]: a form that
dropped the line break of `PING\\n` made the server wait for the end of the line)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from testkit.api import create_fast_monitor, signed_in_client, status_reader
from testkit.tcp_server import PingServer
from testkit.waiting import eventually

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "ops@example.com", "correct horse"  # testkit.api.signed_in_client's
# Checks every second, down after two failures: a broken send shows within seconds.
CHECKS_WITHIN = 10
_CHANGING = ("status", "last_checked_at")


@pytest.fixture
async def line_server() -> AsyncIterator[PingServer]:
    server = PingServer("pong")  # answers "PING\n" with "PONG\n", and only a whole line
    await server.start()
    yield server
    await server.stop()


def settings_of(monitor: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in monitor.items() if name not in _CHANGING}


async def test_saving_a_tcp_monitors_form_unchanged_keeps_it_sending_its_line(
    browser: Browser, product: str, line_server: PingServer, artifacts: Path
) -> None:
    async with signed_in_client(product) as api:
        monitor_id = await create_fast_monitor(
            api, line_server.url, kind="tcp", tcp_send="PING\n", tcp_expect="PONG"
        )
        await eventually(lambda: status_reader(api, monitor_id)("up"), within=CHECKS_WITHIN,
                         what="tcp monitor up")  # fmt: skip
        before = (await api.get(f"/monitors/{monitor_id}")).json()

        page = await browser.new_page()
        await page.goto(f"{product}/login")
        await page.fill("input[name=email]", EMAIL)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button.primary[type=submit]")
        await page.wait_for_url(product + "/")
        await page.goto(f"{product}/monitors/{monitor_id}/edit")
        assert await page.input_value("input[name=tcp_send]") == "PING\\n"
        await page.screenshot(path=artifacts / "16-tcp-monitor-edit.png", full_page=True)
        await page.get_by_role("button", name="Save changes").click()
        await page.wait_for_url(f"{product}/monitors/{monitor_id}")
        saved_at = len(line_server.received)

        async def three_more_lines() -> bool:
            return len(line_server.received) >= saved_at + 3

        await eventually(three_more_lines, within=CHECKS_WITHIN, what="3 checks after saving")
        after = (await api.get(f"/monitors/{monitor_id}")).json()
        await page.close()

    assert settings_of(after) == settings_of(before)
    assert set(line_server.received[saved_at:]) == {b"PING\n"}
    assert after["status"] == "up"
