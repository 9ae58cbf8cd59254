"""Jinja filters and the sparkline: numbers and times as people read them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import jinja2

from betteruptime.db.types import utcnow
from betteruptime.web.form_text import edge_spaces

# What a missing figure shows: an en dash, as in print.
NO_VALUE = "\N{EN DASH}"


def percent(value: float | None) -> str:
    """99.95 → "99.95 %"; 100 → "100 %"; no data → NO_VALUE. Two decimals: at 30 days,
    99.9 % and 99.99 % are 43 minutes and 4 minutes of downtime."""
    if value is None:
        return NO_VALUE
    if value >= 100.0:
        return "100 %"
    # Never round a failure up to a perfect score.
    return f"{min(value, 99.99):.2f} %"


def milliseconds(value: float | None) -> str:
    if value is None:
        return NO_VALUE
    if value >= 10_000:
        return f"{value / 1000:.0f} s"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:.0f} ms"


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago, coarsely: "8 s ago", "5 min ago", "3 h ago", "2 d ago"."""
    if moment is None:
        return "never"
    seconds = max(0, int(((now or utcnow()) - moment).total_seconds()))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


def duration(start: datetime, end: datetime | None = None) -> str:
    """How long from start to end (or now): "45 s", "12 min", "3 h 5 min", "2 d 4 h"."""
    seconds = max(0, int(((end or utcnow()) - start).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 3600:
        return f"{minutes} min"
    if seconds < 86400:
        return f"{hours} h {minutes % 60} min" if minutes % 60 else f"{hours} h"
    return f"{days} d {hours % 24} h" if hours % 24 else f"{days} d"


def utc(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M:%S", suffix: bool = True) -> str:
    """In UTC, saying so after a time of day unless the column header already does."""
    if moment is None:
        return NO_VALUE
    text = moment.astimezone(UTC).strftime(pattern)
    return text + " UTC" if suffix and "%H" in pattern else text


def iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def sparkline_path(
    values: Sequence[float | None], *, width: float = 120, height: float = 28, pad: float = 2
) -> str:
    """An SVG path through the values, scaled to the box (higher = slower), with a gap
    where a value is missing. Empty when there is nothing to draw; one value alone (a
    monitor's first answer) is a level line across the box, not a dot at its edge."""
    present = [v for v in values if v is not None]
    if not present:
        return ""
    if len(values) == 1:
        return f"M{pad:.1f} {height / 2:.1f} H{width - pad:.1f}"
    low, high = min(present), max(present)
    span = (high - low) or 1.0
    step = (width - 2 * pad) / (len(values) - 1)
    parts: list[str] = []
    pen_down = False
    for index, value in enumerate(values):
        if value is None:
            pen_down = False
            continue
        x = pad + index * step
        y = height - pad - (value - low) / span * (height - 2 * pad)
        # "h0" after a move: a lone point between gaps still shows, as a round dot.
        parts.append(f"L{x:.1f} {y:.1f}" if pen_down else f"M{x:.1f} {y:.1f} h0")
        pen_down = True
    return " ".join(parts)


def install_filters(env: jinja2.Environment) -> None:
    env.filters.update(
        percent=percent, ms=milliseconds, ago=ago, utc=utc, iso=iso, duration=duration
    )
    env.globals["sparkline_path"] = sparkline_path
    env.globals["edge_spaces"] = edge_spaces
