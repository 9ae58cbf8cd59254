"""Shields-style flat SVG badges: a grey label and a coloured value, as READMEs show them.

Pure functions: the text goes in escaped, the colour comes from the status or the
uptime. Widths are estimated from rough per-character widths of an 11 px sans-serif
font, so no font file is needed to lay a badge out.
"""

from __future__ import annotations

from html import escape

from betteruptime.web.formatting import percent

LABEL_COLOUR = "#555"
GREY = "#9f9f9f"
STATUS_COLOURS = {
    "up": "#4c1",
    "degraded": "#dfb317",
    "down": "#e05d44",
    "pending": GREY,
    "paused": GREY,
}
# (lowest uptime, colour), best first: the same steps as the daily bars' levels.
UPTIME_COLOURS = ((99.9, "#4c1"), (99.0, "#97ca00"), (95.0, "#dfb317"), (0.0, "#e05d44"))
_NARROW = set("fijlrt.,:;!|'() ")
_WIDE = set("mwMW%@")
_PAD = 6  # each side of each half


def text_width(text: str) -> int:
    """About how many pixels `text` takes at 11 px Verdana-like sans-serif."""
    width = 0.0
    for character in text:
        if character in _NARROW:
            width += 3.6
        elif character in _WIDE:
            width += 9.5
        elif character.isupper() or character.isdigit():
            width += 7.2
        else:
            width += 6.4
    return round(width)


def uptime_colour(uptime: float | None) -> str:
    if uptime is None:
        return GREY
    return next(colour for lowest, colour in UPTIME_COLOURS if uptime >= lowest)


def render_badge(label: str, value: str, colour: str) -> str:
    """The SVG document of one badge."""
    left, right = text_width(label) + 2 * _PAD, text_width(value) + 2 * _PAD
    total = left + right
    title = escape(f"{label}: {value}")
    label_text, value_text = escape(label), escape(value)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" '
        f'role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        '<linearGradient id="s" x2="0" y2="100%">'
        '<stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        '<g clip-path="url(#r)">'
        f'<rect width="{left}" height="20" fill="{LABEL_COLOUR}"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{escape(colour)}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" '
        'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2:g}" y="15" fill="#010101" fill-opacity=".3">{label_text}</text>'
        f'<text x="{left / 2:g}" y="14">{label_text}</text>'
        f'<text x="{left + right / 2:g}" y="15" fill="#010101" fill-opacity=".3">'
        f"{value_text}</text>"
        f'<text x="{left + right / 2:g}" y="14">{value_text}</text>'
        "</g></svg>"
    )


def status_badge(status: str) -> str:
    return render_badge("status", status, STATUS_COLOURS.get(status, GREY))


def uptime_badge(window: str, uptime: float | None) -> str:
    value = "no data" if uptime is None else percent(uptime).replace(" %", "%")
    return render_badge(f"uptime {window}", value, uptime_colour(uptime))
