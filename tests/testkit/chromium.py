"""The system's Chromium for browser-check tests (never downloaded)."""

from __future__ import annotations

import os

from testkit.engines import service_missing

CHROMIUM = os.environ.get("TEST_CHROMIUM", "/usr/bin/chromium")


def require_chromium() -> str:
    """The Chromium executable; skips the test without it (fails it under CI=true)."""
    if not os.path.isfile(CHROMIUM):
        service_missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM
