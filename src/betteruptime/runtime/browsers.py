"""Whether this machine can run browser checks: a Chromium to drive, and Playwright."""

from __future__ import annotations

import importlib.util
import os

from betteruptime.settings import DEFAULT_CHROMIUM


def browser_problem(chromium: str | None) -> str | None:
    """Why browser checks cannot run with `chromium` (an executable, or None when none
    was found), or None when they can."""
    if chromium is None:
        return (
            f"no Chromium at {DEFAULT_CHROMIUM} (apt-get install chromium, or set "
            "BETTERUPTIME_CHROMIUM_PATH)"
        )
    if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
        return f"BETTERUPTIME_CHROMIUM_PATH={chromium} is not an executable file"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install 'betteruptime[browser]')"
    return None
