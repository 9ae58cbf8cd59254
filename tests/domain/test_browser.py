"""Browser checks' pure rules: what a step list may be, how a step is named in errors,
how URL patterns match, and what the page's timings read as."""

from __future__ import annotations

import time
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from betteruptime.domain.browser import (
    failure_error,
    goto_problem,
    page_timings,
    resolve_goto,
    step_label,
    step_result,
    steps_problem,
    url_matches,
)
from betteruptime.domain.monitor_kinds import kind_problems
from betteruptime.schemas.browser import BrowserSteps

STEPS = TypeAdapter(BrowserSteps)


def _errors(steps: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        STEPS.validate_python(steps, strict=True)
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in caught.value.errors()]


def test_every_action_is_read_with_its_fields() -> None:
    steps = [
        {"action": "goto", "url": "/login"},
        {"action": "fill", "selector": "#email", "value": "me@example.com"},
        {"action": "fill", "selector": "#password", "value": ""},
        {"action": "press", "key": "Enter"},
        {"action": "wait_for", "selector": ".cart"},
        {"action": "click", "selector": "text=Add to cart"},
        {"action": "expect_text", "text": "Total: 42.00"},
        {"action": "expect_text", "selector": "#total", "text": "42.00"},
        {"action": "expect_url", "pattern": "/cart*checkout"},
        {"action": "goto", "url": "https://shop.example.com:8443/x?y=1#z"},
    ]

    parsed = STEPS.validate_python(steps, strict=True)

    # Stored as written: an optional field left out stays out.
    assert STEPS.dump_python(parsed) == steps


def test_a_bad_step_is_named_by_its_index_and_action() -> None:
    errors = _errors(
        [
            {"action": "goto", "url": "/"},
            {"action": "click", "selector": ""},
            {"action": "fill", "selector": "#q"},
            {"action": "press", "key": "Control + A"},
        ]
    )

    assert [place for place, _ in errors] == [
        "1.click.selector",
        "2.fill.value",
        "3.press.key",
    ]


@pytest.mark.parametrize(
    ("steps", "place"),
    [
        ([{"action": "hover", "selector": "#a"}], "0"),
        ([{"selector": "#a"}], "0"),
        ([{"action": "click", "selector": "#a", "script": "alert(1)"}], "0.click.script"),
        ([{"action": "goto", "url": "javascript:alert(1)"}], "0.goto.url"),
        ([{"action": "goto", "url": "file:///etc/passwd"}], "0.goto.url"),
        ([{"action": "goto", "url": "//evil.example/"}], "0.goto.url"),
        ([{"action": "goto", "url": "https://ex ample.com/"}], "0.goto.url"),
        ([{"action": "click", "selector": "a\nb"}], "0.click.selector"),
        ([{"action": "expect_text", "text": ""}], "0.expect_text.text"),
        ([{"action": "expect_url", "pattern": ""}], "0.expect_url.pattern"),
        ([{"action": "press", "key": "Enter"}] * 21, ""),
    ],
)
def test_what_no_browser_check_may_hold_is_refused(steps: Any, place: str) -> None:
    assert place in [p for p, _ in _errors(steps)]


def test_one_to_twenty_steps_make_a_browser_check() -> None:
    one = [{"action": "wait_for", "selector": "body"}]
    assert steps_problem(one) is None
    assert steps_problem(one * 20) is None
    assert steps_problem([]) == "a browser check has 1 to 20 steps; got 0"
    assert steps_problem(one * 21) == "a browser check has 1 to 20 steps; got 21"


def test_a_browser_monitor_needs_steps_and_an_http_start_page() -> None:
    values = {"kind": "browser", "url": "tcp://example.com:80", "steps": []}

    problems = {p.field: p.message for p in kind_problems(values)}

    assert problems["steps"] == "a browser check has 1 to 20 steps; got 0"
    assert "http:// or https://" in problems["url"]


def test_a_step_is_named_by_its_place_action_and_subject() -> None:
    assert step_label(0, {"action": "click", "selector": "#buy"}) == 'step 1 (click "#buy")'
    assert step_label(2, {"action": "press", "key": "Enter"}) == 'step 3 (press "Enter")'
    assert step_label(1, {"action": "expect_text", "text": "Total"}) == (
        'step 2 (expect_text "Total")'
    )
    long = step_label(0, {"action": "wait_for", "selector": "x" * 100})
    assert long.endswith('…")') and len(long) < 90
    # A fill names its field, never the value typed into it (it may be a password).
    fill = step_label(4, {"action": "fill", "selector": "#pw", "value": "s3cret"})
    assert fill == 'step 5 (fill "#pw")'
    assert failure_error(4, {"action": "fill", "selector": "#pw", "value": "s3cret"}, "gone") == (
        'step 5 (fill "#pw") failed: gone'
    )


def test_a_goto_path_opens_on_the_current_site() -> None:
    assert resolve_goto("https://shop.example.com/a/b?q=1", "/cart") == (
        "https://shop.example.com/cart"
    )
    assert resolve_goto("https://shop.example.com/", "http://other.example/") == (
        "http://other.example/"
    )
    assert goto_problem("/cart") is None
    assert goto_problem("https://example.com") is None
    assert goto_problem("ftp://example.com/") is not None
    assert goto_problem("//example.com/") is not None


@pytest.mark.parametrize(
    ("pattern", "url", "matches"),
    [
        ("/cart", "https://shop.example.com/cart?x=1", True),
        ("/cart", "https://shop.example.com/checkout", False),
        ("https://shop.example.com/*/done", "https://shop.example.com/order/7/done", True),
        ("*", "https://example.com/", True),
        ("a*b*c", "https://example.com/cba", False),
        ("a*b*c", "https://example.com/a-b-c", True),
        ("done*done", "https://example.com/done", False),
    ],
)
def test_a_url_pattern_is_text_the_url_contains_with_stars_for_anything(
    pattern: str, url: str, matches: bool
) -> None:
    assert url_matches(pattern, url) is matches


def test_a_url_pattern_takes_linear_time_whatever_it_holds() -> None:
    pattern = "a*" * 500 + "b"
    url = "https://example.com/" + "a" * 2000

    started = time.perf_counter()
    assert not url_matches(pattern, url)
    assert time.perf_counter() - started < 0.05


def test_page_timings_take_only_what_the_page_reported() -> None:
    assert page_timings({"ttfb": 12.345, "fcp": 80, "lcp": None}) == {
        "ttfb_ms": 12.3,
        "fcp_ms": 80.0,
        "lcp_ms": None,
    }
    assert page_timings({"ttfb": -1, "fcp": True, "lcp": "9"}) == {
        "ttfb_ms": None,
        "fcp_ms": None,
        "lcp_ms": None,
    }


def test_a_step_result_says_action_time_and_outcome() -> None:
    step = {"action": "click", "selector": "#buy"}
    assert step_result(step, ms=12.345, ok=False, error="not found") == {
        "action": "click",
        "ms": 12.3,
        "ok": False,
        "error": "not found",
    }
