"""The browser probe: runs a `browser` monitor's steps in the system's Chromium.

One Chromium per worker, launched on the first check (never downloaded: the executable
is the configured one, `--headless` with nothing that calls home); each check gets a
fresh browser context (no cookies, storage or cache from another check) closed after
it. How many checks run at once is bounded by the worker (BETTERUPTIME_BROWSER_PAGES).
Every request is vetted by the SSRF guard (browser_guard.py).

A check opens the monitor's url, reads the page's load timings, then takes the steps in
order within the monitor's timeout; the first step that fails ends the check, and a
screenshot of the page as it was then travels with the result.
"""

from __future__ import annotations

import asyncio
import base64
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from betteruptime.domain.addresses import TargetPolicy
from betteruptime.domain.browser import (
    SCREENSHOT_MAX_BYTES,
    SCREENSHOT_QUALITIES,
    VIEWPORT_HEIGHT,
    VIEWPORT_WIDTH,
    failure_error,
    page_timings,
    step_result,
)
from betteruptime.domain.messages import CheckJob, CheckResult, Timings
from betteruptime.logs import get_logger, kv
from betteruptime.probes.browser_guard import RequestGuard
from betteruptime.probes.browser_steps import StepFailed, run_step, start_page
from betteruptime.probes.results import guarded, make_result

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page, Playwright

log = get_logger("browser")

# Debian's Chromium, headless, with nothing that reaches out to the network by itself;
# WebRTC may not open UDP of its own (it would pass the request guard).
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
)
# A screenshot is taken after the failure, even when the timeout is what failed.
SCREENSHOT_SECONDS = 5.0
# The page's TTFB, FCP and LCP from the Performance API (our script; none of the user's).
TIMINGS_SCRIPT = """async () => {
  const nav = performance.getEntriesByType("navigation")[0];
  let fcp = null, lcp = null;
  const seen = (list) => {
    for (const entry of list.getEntries()) {
      if (entry.name === "first-contentful-paint") fcp = entry.startTime;
      if (entry.entryType === "largest-contentful-paint") lcp = entry.startTime;
    }
  };
  for (const type of ["paint", "largest-contentful-paint"]) {
    try { new PerformanceObserver(seen).observe({ type, buffered: true }); } catch (e) {}
  }
  // The first paint may come just after the load event: wait for it a little.
  const until = performance.now() + 1000;
  while (fcp === null && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await new Promise((resolve) => setTimeout(resolve, 25));
  return { ttfb: nav ? nav.responseStart : null, fcp, lcp };
}"""


class BrowserUnavailable(Exception):
    """Chromium or Playwright cannot be started; the message says what to install."""


class BrowserProbe:
    """Checks `browser` monitors. Create and use it inside one running event loop."""

    def __init__(self, *, executable: str, policy: TargetPolicy | None = None) -> None:
        self._executable = executable
        self._policy = policy
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._starting = asyncio.Lock()

    async def start(self) -> None:
        """Launch Chromium now (else on the first check); BrowserUnavailable if it cannot."""
        await self._get_browser()

    async def _get_browser(self) -> Browser:
        async with self._starting:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            await self._stop()  # a Chromium that crashed: start afresh
            try:
                from playwright.async_api import async_playwright
            except ImportError:
                raise BrowserUnavailable(
                    "Playwright is not installed (pip install 'betteruptime[browser]')"
                ) from None
            try:
                self._playwright = await async_playwright().start()
                self._browser = await self._playwright.chromium.launch(
                    executable_path=self._executable, args=list(CHROMIUM_ARGS)
                )
            except Exception as error:
                await self._stop()
                first = str(error).strip().splitlines()[0] if str(error).strip() else ""
                raise BrowserUnavailable(
                    f"Chromium at {self._executable} could not be started: {first[:200]}"
                ) from None
            log.info(kv(event="browser_started", executable=self._executable))
            return self._browser

    async def _stop(self) -> None:
        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = None
        try:
            if browser is not None:
                await browser.close()
        except Exception as error:  # already gone
            log.debug(kv(event="browser_close_failed", error=type(error).__name__))
        try:
            if playwright is not None:
                await playwright.stop()
        except Exception as error:
            log.debug(kv(event="playwright_stop_failed", error=type(error).__name__))

    async def close(self) -> None:
        async with self._starting:
            await self._stop()

    async def check(self, job: CheckJob) -> CheckResult:
        """Run one check. Never raises (except on cancellation): failures are results."""
        return await guarded(job, lambda checked_at: self._check(job, checked_at))

    async def _check(self, job: CheckJob, checked_at: datetime) -> CheckResult:
        try:
            browser = await self._get_browser()
        except BrowserUnavailable as error:
            return make_result(job, checked_at, error=f"browser unavailable: {error}")
        guard = RequestGuard(self._policy)
        context = await browser.new_context(
            viewport={"width": VIEWPORT_WIDTH, "height": VIEWPORT_HEIGHT}, service_workers="block"
        )
        try:
            await context.route("**/*", guard.route)
            await context.route_web_socket("**/*", guard.route_web_socket)
            page = await context.new_page()
            return await _Run(job, page, guard).result(checked_at)
        finally:
            try:
                await context.close()
            except Exception as error:  # the browser went away mid-check
                log.debug(kv(event="context_close_failed", error=type(error).__name__))


class _Run:
    """One check: the start page, the steps, what each took, and the failure if any."""

    def __init__(self, job: CheckJob, page: Page, guard: RequestGuard) -> None:
        self.job, self.page, self.guard = job, page, guard
        self.steps: list[dict[str, Any]] = []
        self.start: dict[str, Any] = {}
        self.timings: dict[str, float | None] = page_timings({})
        self.status_code: int | None = None

    async def result(self, checked_at: datetime) -> CheckResult:
        spec = self.job.spec
        began = time.perf_counter()
        deadline = began + spec.timeout_seconds
        error = await self._run(deadline)
        total_ms = (time.perf_counter() - began) * 1000
        details: dict[str, Any] = {"start": self.start, "steps": self.steps}
        details["timings"] = self.timings
        screenshot = None
        if error is not None:
            screenshot = await self._screenshot()
            details["screenshot"] = screenshot is not None
        return make_result(
            self.job,
            checked_at,
            up=error is None,
            response_time_ms=round(total_ms, 3) if error is None else None,
            status_code=self.status_code,
            error=error,
            timings=Timings(first_byte_ms=self.timings["ttfb_ms"], total_ms=round(total_ms, 3)),
        ).model_copy(update={"details": details, "screenshot": screenshot})

    async def _run(self, deadline: float) -> str | None:
        """Open the start page, then each step; the first failure's error, or None."""
        spec = self.job.spec
        began = time.perf_counter()
        try:
            self.status_code = await start_page(self.page, spec.url, deadline, spec.timeout_seconds)
            self._refused()
        except StepFailed as failed:
            reason = self._reason(failed)
            self.start = {"url": spec.url, "ms": _ms_since(began), "ok": False, "error": reason}
            return f"start page failed: {reason}"
        self.start = {"url": spec.url, "ms": _ms_since(began), "ok": True, "error": None}
        self.timings = await self._page_timings(deadline)
        for index, step in enumerate(spec.browser_steps):
            began = time.perf_counter()
            try:
                await run_step(self.page, step, deadline, spec.timeout_seconds)
                self._refused()
            except StepFailed as failed:
                reason = self._reason(failed)
                self.steps.append(step_result(step, ms=_ms_since(began), ok=False, error=reason))
                return failure_error(index, step, reason)
            self.steps.append(step_result(step, ms=_ms_since(began), ok=True))
        return None

    def _refused(self) -> None:
        """A request refused by the SSRF guard fails the step it happened in."""
        reason = self.guard.take_refused()
        if reason is not None:
            raise StepFailed(f"a request was refused: {reason}")

    def _reason(self, failed: StepFailed) -> str:
        """Why a step failed: the guard's reason when it refused a request meanwhile
        (Chromium only says net::ERR_BLOCKED_BY_CLIENT), else the step's own."""
        refused = self.guard.take_refused()
        return f"a request was refused: {refused}" if refused else str(failed)

    async def _page_timings(self, deadline: float) -> dict[str, float | None]:
        left = deadline - time.perf_counter()
        try:
            async with asyncio.timeout(max(0.1, min(2.0, left))):
                found = await self.page.evaluate(TIMINGS_SCRIPT)
        except Exception as error:  # a page that navigated away or hangs: no figures
            log.debug(kv(event="timings_unavailable", error=type(error).__name__))
            return page_timings({})
        return page_timings(found if isinstance(found, dict) else {})

    async def _screenshot(self) -> str | None:
        """The viewport as a base64 JPEG of at most SCREENSHOT_MAX_BYTES, or None."""
        for quality in SCREENSHOT_QUALITIES:
            try:
                image = await self.page.screenshot(
                    type="jpeg", quality=quality, timeout=SCREENSHOT_SECONDS * 1000
                )
            except Exception as error:  # the page or the browser is gone
                log.debug(kv(event="screenshot_failed", error=type(error).__name__))
                return None
            if len(image) <= SCREENSHOT_MAX_BYTES:
                return base64.b64encode(image).decode("ascii")
        return None


def _ms_since(began: float) -> float:
    return (time.perf_counter() - began) * 1000
