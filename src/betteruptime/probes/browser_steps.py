"""What each browser step does in Playwright, within what is left of the check's timeout.

A step that fails raises StepFailed with a short reason worded for the user (never the
value a `fill` typed, which may be a password); Playwright's own multi-line messages
are cut to their first line.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from betteruptime.domain.browser import resolve_goto, url_matches

if TYPE_CHECKING:
    from playwright.async_api import Page, Response

# How often expect_text and expect_url look again while the page is still changing.
POLL_SECONDS = 0.1
# expect_text and expect_url wait at most this long for the page to get there (as
# Playwright's own expect does), within the check's timeout.
EXPECT_SECONDS = 5.0
MAX_SHOWN = 120


class StepFailed(Exception):
    """A step (or the start page) failed; the message says why, for the user."""


def _left_ms(deadline: float, limit: float) -> float:
    left = deadline - time.perf_counter()
    if left <= 0:
        raise StepFailed(f"timed out after {limit:g} s (the check's timeout)")
    return left * 1000


def _reason(error: Exception, limit: float, waiting: str) -> str:
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    if isinstance(error, PlaywrightTimeout):
        return f"timed out after {limit:g} s waiting for {waiting}"
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    _, colon, rest = text.partition(": ")
    if colon and rest and " " not in _:  # "page.click: …": the method adds nothing
        text = rest
    return text[:300]


def _shown(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_SHOWN else flat[: MAX_SHOWN - 1] + "…"


async def _open(page: Page, url: str, deadline: float, limit: float) -> int | None:
    from playwright.async_api import Error

    try:
        response: Response | None = await page.goto(url, timeout=_left_ms(deadline, limit))
    except Error as error:
        raise StepFailed(_reason(error, limit, f"{url} to load")) from None
    if response is None:  # the same page with another #fragment
        return None
    if response.status >= 400:
        raise StepFailed(f"{url} answered HTTP {response.status}")
    return response.status


async def start_page(page: Page, url: str, deadline: float, limit: float) -> int | None:
    """Open the monitor's url; its HTTP status. StepFailed when it cannot be loaded or
    answers 4xx/5xx."""
    return await _open(page, url, deadline, limit)


async def run_step(page: Page, step: Mapping[str, Any], deadline: float, limit: float) -> None:
    """Take one step; StepFailed saying why when it cannot."""
    from playwright.async_api import Error

    action = step.get("action")
    selector = str(step.get("selector") or "body")
    try:
        if action == "goto":
            await _open(page, resolve_goto(page.url, str(step["url"])), deadline, limit)
        elif action == "click":
            await page.click(selector, timeout=_left_ms(deadline, limit))
        elif action == "fill":
            await page.fill(selector, str(step["value"]), timeout=_left_ms(deadline, limit))
        elif action == "press":
            async with asyncio.timeout(_left_ms(deadline, limit) / 1000):
                await page.keyboard.press(str(step["key"]))
        elif action == "wait_for":
            await page.wait_for_selector(selector, timeout=_left_ms(deadline, limit))
        elif action == "expect_text":
            until = min(deadline, time.perf_counter() + EXPECT_SECONDS)
            await _expect_text(page, selector, str(step["text"]), until, limit)
        elif action == "expect_url":
            until = min(deadline, time.perf_counter() + EXPECT_SECONDS)
            await _expect_url(page, str(step["pattern"]), until, limit)
        else:
            raise StepFailed(f'this worker does not know the action "{action}"')
    except TimeoutError:
        raise StepFailed(f"timed out after {limit:g} s (the check's timeout)") from None
    except Error as error:
        raise StepFailed(_reason(error, limit, f'"{selector}"')) from None


async def _expect_text(page: Page, selector: str, text: str, deadline: float, limit: float) -> None:
    """Wait until the first element matching `selector` shows `text`."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    element = page.locator(selector).first
    shown: str | None = None
    while True:
        try:
            shown = await element.inner_text(timeout=_left_ms(deadline, limit))
        except (PlaywrightTimeout, StepFailed):
            if shown is None:
                raise StepFailed(f'nothing on the page matches "{selector}"') from None
            break  # the time ran out while looking again: say what it showed last
        if text in shown:
            return
        if deadline - time.perf_counter() <= POLL_SECONDS:
            break
        await asyncio.sleep(POLL_SECONDS)
    raise StepFailed(f'"{_shown(text)}" not found in "{selector}", which shows: "{_shown(shown)}"')


async def _expect_url(page: Page, pattern: str, deadline: float, limit: float) -> None:
    """Wait until the page's URL contains `pattern` (a navigation may be under way)."""
    while not url_matches(pattern, page.url):
        if deadline - time.perf_counter() <= POLL_SECONDS:
            raise StepFailed(f'the page is at {_shown(page.url)}, not at "{_shown(pattern)}"')
        await asyncio.sleep(POLL_SECONDS)
