"""Browser checks (`kind: "browser"`): the steps a check takes, and how their outcome is
judged and reported. Pure: no I/O; the worker's probe (probes/browser.py) runs them.

A check opens the monitor's `url` (the start page), then takes its `steps` in order:

- `goto {url}`: open another page: an http(s) URL, or a path (`/cart`) on the current
  page's site;
- `click {selector}`, `fill {selector, value}`, `press {key}`, `wait_for {selector}`;
- `expect_text {selector?, text}`: the element (the whole page without a selector) shows
  `text`;
- `expect_url {pattern}`: the page's URL contains `pattern`, where `*` stands for any run
  of characters.

Declarative on purpose: no user code runs in the browser or on the worker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urljoin, urlsplit

ACTIONS = ("goto", "click", "fill", "press", "wait_for", "expect_text", "expect_url")
MIN_STEPS = 1
MAX_STEPS = 20
# A failure screenshot is a JPEG of the visible viewport, at most this large; a larger
# one is taken again at a lower quality, and dropped (said in the details) if still too big.
SCREENSHOT_MAX_BYTES = 200 * 1024
SCREENSHOT_QUALITIES = (60, 35, 15)
VIEWPORT_WIDTH, VIEWPORT_HEIGHT = 1280, 720


def step_label(index: int, step: Mapping[str, Any]) -> str:
    """How a step is named in errors: `step 2 (click "#buy")`, counted from 1."""
    action = str(step.get("action", "?"))
    subject = step.get("selector") or step.get("url") or step.get("key") or step.get("pattern")
    if action == "expect_text" and not subject:
        subject = step.get("text")
    shown = f' "{_short(str(subject))}"' if subject else ""
    return f"step {index + 1} ({action}{shown})"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def resolve_goto(current_url: str, target: str) -> str:
    """The URL a `goto` opens: `target` itself when absolute, else `target` (a path)
    on the current page's site."""
    return urljoin(current_url, target)


def goto_problem(target: str) -> str | None:
    """Why a `goto` target is refused, or None: it is an http(s) URL with a host, or a
    path beginning with one slash."""
    if target.startswith("/") and not target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "must be an http(s):// URL or a path beginning with /, as in /cart"
    return None


def url_matches(pattern: str, url: str) -> bool:
    """Whether `url` contains `pattern`, `*` in it standing for any run of characters.

    The pieces between stars are looked for left to right, each after the previous one:
    linear in the URL's length whatever the pattern (no regular expression, so nothing
    can backtrack for ever)."""
    position = 0
    for piece in pattern.split("*"):
        if not piece:
            continue
        found = url.find(piece, position)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def is_action(step: object) -> bool:
    """Whether a step is a browser check's action (not a multi-step check's request)."""
    return isinstance(step, Mapping) and "action" in step


def steps_problem(steps: Sequence[Mapping[str, Any]]) -> str | None:
    """What makes a list of steps unusable as a browser check's (each step's own fields
    are checked by its type, schemas/browser.py), or None."""
    if not MIN_STEPS <= len(steps) <= MAX_STEPS:
        return f"a browser check has {MIN_STEPS} to {MAX_STEPS} steps; got {len(steps)}"
    if not all(is_action(step) for step in steps):
        return (
            'a browser check\'s steps are actions, such as {"action": "click", "selector": '
            '"#buy"}; steps with a name and url are a multistep monitor\'s'
        )
    return None


def step_result(
    step: Mapping[str, Any], *, ms: float, ok: bool, error: str | None = None
) -> dict[str, Any]:
    """One entry of a check's `details.steps`: the action, its time, and its outcome."""
    return {"action": step.get("action"), "ms": round(ms, 1), "ok": ok, "error": error}


def failure_error(index: int, step: Mapping[str, Any], reason: str) -> str:
    """The check's error when step `index` failed: which step, and why."""
    return f"{step_label(index, step)} failed: {reason}"


def page_timings(entries: Mapping[str, Any]) -> dict[str, float | None]:
    """TTFB, first contentful paint and largest contentful paint (ms, from the start of
    the navigation) out of what the page's Performance API reported: the navigation
    entry's `responseStart`, the `first-contentful-paint` paint entry and the last
    largest-contentful-paint entry. A figure the page did not report is None."""

    def number(name: str) -> float | None:
        value = entries.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return round(float(value), 1)
        return None

    return {"ttfb_ms": number("ttfb"), "fcp_ms": number("fcp"), "lcp_ms": number("lcp")}
