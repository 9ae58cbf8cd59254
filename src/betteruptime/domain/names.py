"""Validation of short identifiers shared by settings, the API and transports."""

import re

REGION_PATTERN = r"^[a-z0-9][a-z0-9-]{0,31}$"
_REGION = re.compile(REGION_PATTERN)


def validate_region(value: str) -> str:
    """A region names a queue (`jobs.<region>`), so it is kept to a safe alphabet."""
    if not _REGION.fullmatch(value):
        raise ValueError(
            "a region is 1-32 lowercase letters, digits or dashes, starting with a letter or digit"
        )
    return value
