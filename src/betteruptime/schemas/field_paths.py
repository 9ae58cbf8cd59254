"""Where in a request a validation error points, written as people read it."""

from __future__ import annotations

from collections.abc import Sequence

_LOCATIONS = ("body", "query", "path", "header", "cookie")


def field_path(loc: Sequence[int | str]) -> str:
    """("body", "headers", "X-Foo") -> "headers.X-Foo"; ("body", "a", 1) -> "a[1]"."""
    parts = list(loc[1:]) if loc and loc[0] in _LOCATIONS else list(loc)
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part != "[key]":  # a dict key's own error: the message says it is the name
            path += f".{part}" if path else str(part)
    return path or str(loc[0] if loc else "body")
