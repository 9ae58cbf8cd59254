"""The badge renderer: escaped text, colours by status and uptime, widths that grow."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from betteruptime.web.badges import (
    render_badge,
    status_badge,
    text_width,
    uptime_badge,
    uptime_colour,
)


def test_a_badge_is_well_formed_svg_with_its_text_escaped() -> None:
    svg = render_badge('<script>"x"</script>', "a & b", "#4c1")

    root = ElementTree.fromstring(svg)  # raises if the escaping broke the XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg


@pytest.mark.parametrize(
    ("uptime", "colour"),
    [
        (100.0, "#4c1"),
        (99.9, "#4c1"),
        (99.5, "#97ca00"),
        (97.0, "#dfb317"),
        (50.0, "#e05d44"),
        (None, "#9f9f9f"),
    ],
)
def test_uptime_colours_step_down_with_the_uptime(uptime: float | None, colour: str) -> None:
    assert uptime_colour(uptime) == colour


def test_status_and_uptime_badges_say_their_value() -> None:
    assert 'aria-label="status: down"' in status_badge("down") and "#e05d44" in status_badge("down")
    assert 'aria-label="uptime 7d: 99.99%"' in uptime_badge("7d", 99.995)
    assert 'aria-label="uptime 90d: no data"' in uptime_badge("90d", None)


def test_longer_text_makes_a_wider_badge() -> None:
    assert text_width("operational") > text_width("up") > 0
