"""The browser probe in the system's Chromium against a local shop: steps, timings,
screenshots, and the SSRF guard on every navigation and sub-request."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from betteruptime.domain.addresses import TargetPolicy
from betteruptime.domain.messages import CheckJob
from betteruptime.probes.browser import BrowserProbe
from testkit.chromium import require_chromium
from testkit.shop import Shop

BUY = [
    {"action": "click", "selector": "#buy"},
    {"action": "expect_text", "selector": "#message", "text": "Thank you"},
    {"action": "expect_url", "pattern": "/done"},
]
JPEG = b"\xff\xd8\xff"


def _probe(policy: TargetPolicy | None = None) -> BrowserProbe:
    return BrowserProbe(executable=require_chromium(), policy=policy or TargetPolicy())


@pytest.fixture
async def probe() -> AsyncIterator[BrowserProbe]:
    browser = _probe()
    yield browser
    await browser.close()


def _job(make_job: Callable[..., CheckJob], url: str, steps: list[dict[str, Any]]) -> CheckJob:
    return make_job(url, kind="browser", browser_steps=steps, timeout_seconds=10)


async def test_a_journey_that_works_is_up_with_each_step_timed(
    probe: BrowserProbe, browser_shop: Shop, make_job: Callable[..., CheckJob]
) -> None:
    result = await probe.check(_job(make_job, browser_shop.url, BUY))

    assert result.up, result.error
    assert result.error is None and result.screenshot is None
    assert result.status_code == 200
    details = result.details or {}
    assert details["start"]["ok"] is True
    assert [(s["action"], s["ok"], s["error"]) for s in details["steps"]] == [
        ("click", True, None),
        ("expect_text", True, None),
        ("expect_url", True, None),
    ]
    assert all(s["ms"] >= 0 for s in details["steps"])
    timings = details["timings"]
    assert timings["ttfb_ms"] is not None and timings["ttfb_ms"] >= 0
    assert timings["fcp_ms"] is not None
    assert result.timings.first_byte_ms == timings["ttfb_ms"]
    assert result.response_time_ms is not None and result.response_time_ms > 0


async def test_a_broken_page_fails_at_its_step_with_a_screenshot(
    probe: BrowserProbe, browser_shop: Shop, make_job: Callable[..., CheckJob]
) -> None:
    browser_shop.broken = True
    job = make_job(browser_shop.url, kind="browser", browser_steps=BUY, timeout_seconds=3)

    result = await probe.check(job)

    assert not result.up
    assert result.error == 'step 1 (click "#buy") failed: timed out after 3 s waiting for "#buy"'
    steps = (result.details or {})["steps"]
    assert [(s["action"], s["ok"]) for s in steps] == [("click", False)]
    assert result.screenshot is not None
    image = base64.b64decode(result.screenshot)
    assert image.startswith(JPEG) and len(image) <= 200 * 1024
    assert (result.details or {})["screenshot"] is True


async def test_text_that_is_not_there_says_what_the_element_shows(
    probe: BrowserProbe, browser_shop: Shop, make_job: Callable[..., CheckJob]
) -> None:
    steps = [{"action": "expect_text", "selector": "#price", "text": "Total: 41.00"}]

    result = await probe.check(_job(make_job, browser_shop.url, steps))

    assert result.error == (
        'step 1 (expect_text "#price") failed: "Total: 41.00" not found in "#price", '
        'which shows: "Total: 42.00"'
    )


async def test_a_form_is_filled_and_sent_and_the_next_page_checked(
    probe: BrowserProbe, browser_shop: Shop, make_job: Callable[..., CheckJob]
) -> None:
    steps = [
        {"action": "goto", "url": "/login"},
        {"action": "fill", "selector": "#email", "value": "ann@example.com"},
        {"action": "fill", "selector": "#password", "value": "s3cret-value"},
        {"action": "press", "key": "Enter"},
        {"action": "wait_for", "selector": "#hello"},
        {"action": "expect_text", "text": "Welcome, ann@example.com"},
        {"action": "expect_url", "pattern": "127.0.0.1:*/welcome"},
    ]

    result = await probe.check(_job(make_job, browser_shop.url, steps))

    assert result.up, result.error
    wrong = [*steps[:-1], {"action": "expect_url", "pattern": "/nowhere"}]
    failed = await probe.check(_job(make_job, browser_shop.url, wrong))
    assert failed.error is not None and "s3cret-value" not in failed.error
    assert failed.error.startswith('step 7 (expect_url "/nowhere") failed: the page is at http')


async def test_a_start_page_answering_an_error_is_down(
    probe: BrowserProbe, browser_shop: Shop, make_job: Callable[..., CheckJob]
) -> None:
    result = await probe.check(_job(make_job, browser_shop.url + "error", BUY))

    assert result.error == f"start page failed: {browser_shop.url}error answered HTTP 503"
    assert result.status_code is None
    assert result.screenshot is not None


async def test_a_sub_request_to_a_refused_address_fails_the_step_saying_why(
    probe: BrowserProbe, browser_shop: Shop, make_job: Callable[..., CheckJob]
) -> None:
    # The cloud metadata address is refused by default (link-local).
    browser_shop.extra = '<img src="http://169.254.169.254/latest/meta-data/">'

    result = await probe.check(_job(make_job, browser_shop.url, BUY))

    assert not result.up
    assert result.error is not None
    assert result.error.startswith(
        "start page failed: a request was refused: not connecting to 169.254.169.254: "
        "169.254.169.254 is a link-local or cloud metadata address"
    )


async def test_a_navigation_to_a_refused_address_fails_its_step(
    probe: BrowserProbe, browser_shop: Shop, make_job: Callable[..., CheckJob]
) -> None:
    steps = [{"action": "goto", "url": "http://169.254.169.254/latest/meta-data/"}]

    result = await probe.check(_job(make_job, browser_shop.url, steps))

    assert result.error is not None
    assert result.error.startswith(
        'step 1 (goto "http://169.254.169.254/latest/meta-data/") failed: '
        "a request was refused: not connecting to 169.254.169.254"
    ), result.error


async def test_with_private_targets_blocked_even_the_start_page_is_refused(
    browser_shop: Shop, make_job: Callable[..., CheckJob]
) -> None:
    probe = _probe(TargetPolicy(block_private=True))
    try:
        result = await probe.check(_job(make_job, browser_shop.url, BUY))
    finally:
        await probe.close()

    assert result.error is not None
    assert "not connecting to 127.0.0.1: 127.0.0.1 is a loopback" in result.error
    assert browser_shop.visits == 0  # aborted before Chromium connected


async def test_each_check_starts_in_a_fresh_context(
    probe: BrowserProbe, browser_shop: Shop, make_job: Callable[..., CheckJob]
) -> None:
    # The shop's page sets a cookie, which the rest of that check sees; the next check
    # starts without it.
    seen = [{"action": "goto", "url": "/cookie"}, {"action": "expect_text", "text": "cookie: yes"}]
    fresh = [{"action": "expect_text", "text": "cookie: none"}]

    first = await probe.check(_job(make_job, browser_shop.url, seen))
    second = await probe.check(_job(make_job, browser_shop.url + "cookie", fresh))

    assert first.up, first.error
    assert second.up, second.error


async def test_without_chromium_a_check_says_the_browser_is_unavailable(
    make_job: Callable[..., CheckJob], browser_shop: Shop
) -> None:
    probe = BrowserProbe(executable="/nonexistent/chromium")

    result = await probe.check(_job(make_job, browser_shop.url, BUY))

    assert not result.up
    assert result.error is not None
    assert result.error.startswith("browser unavailable: Chromium at /nonexistent/chromium")
