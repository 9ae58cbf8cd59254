"""HTTP status patterns: "200", "2xx" or "200-299". Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence

MIN_STATUS = 100
MAX_STATUS = 599

_STATUS_CODE = re.compile(r"[1-5][0-9]{2}")
_STATUS_CLASS = re.compile(r"([1-5])xx", re.IGNORECASE)
_STATUS_RANGE = re.compile(r"([0-9]{3})\s*-\s*([0-9]{3})")


def parse_status_pattern(pattern: str) -> tuple[int, int]:
    """Parse "200", "2xx" or "200-299" into an inclusive (low, high) range.

    Raises ValueError, with a message fit to show a user, for anything else.
    """
    text = pattern.strip()
    if _STATUS_CODE.fullmatch(text):
        return int(text), int(text)
    if match := _STATUS_CLASS.fullmatch(text):
        low = int(match.group(1)) * 100
        return low, low + 99
    if match := _STATUS_RANGE.fullmatch(text):
        low, high = int(match.group(1)), int(match.group(2))
        for code in (low, high):
            if not MIN_STATUS <= code <= MAX_STATUS:
                raise ValueError(
                    f'invalid status pattern "{pattern}": {code} is not an HTTP status code '
                    f"({MIN_STATUS}-{MAX_STATUS})"
                )
        if low > high:
            raise ValueError(
                f'invalid status pattern "{pattern}": range starts after it ends ({low} > {high})'
            )
        return low, high
    raise ValueError(
        f'invalid status pattern "{pattern}": expected a code like "200", '
        f'a class like "2xx" or a range like "200-299"'
    )


def status_matches(code: int, patterns: Sequence[str]) -> bool:
    """Whether `code` matches any of `patterns`; an empty list accepts every status.

    Raises ValueError if a pattern is malformed (see :func:`parse_status_pattern`).
    """
    if not patterns:
        return True
    ranges = [parse_status_pattern(pattern) for pattern in patterns]
    return any(low <= code <= high for low, high in ranges)
