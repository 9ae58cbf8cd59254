"""Browser fixtures: the system's Chromium driven by Playwright, and `betteruptime up`
as a user runs it. Without Chromium (or Playwright) the tests skip, failing under CI."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from betteruptime.probes.browser import CHROMIUM_ARGS as BROWSER_CHECK_ARGS
from betteruptime.web.assets import missing_vendor_files
from testkit.api import embedded_product
from testkit.engines import service_missing

if TYPE_CHECKING:
    from playwright.async_api import Browser

CHROMIUM = os.environ.get("TEST_CHROMIUM", "/usr/bin/chromium")
# Debian's Chromium, headless, with nothing that reaches out to the network by itself:
# launched as browser checks launch it.
CHROMIUM_ARGS = list(BROWSER_CHECK_ARGS)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not os.path.isfile(CHROMIUM):  # noqa: ASYNC240 (a stat, once per test)
        service_missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        service_missing("Playwright is not installed (pip install -e '.[test]')")
    if missing_vendor_files():
        service_missing("dashboard assets not installed: run scripts/lib/assets.sh (npm ci)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
async def product(tmp_path: Path) -> AsyncIterator[str]:
    """`betteruptime up` on a free port with its own SQLite file; its base URL."""
    async with embedded_product(tmp_path) as (_, base):
        yield base
