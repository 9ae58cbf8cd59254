"""A moment in time as the API takes it: an ISO 8601 string.

Pydantic also reads a number (or a string of one) as seconds since 1970; `?until=0.5`
meant 1970-01-01T00:00:00.5Z. The OpenAPI document says `date-time`, so that is what is
taken: anything else is a 422.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
MESSAGE = "must be an ISO 8601 date and time, such as 2026-12-24T22:00:00Z"


def _iso_text(value: object) -> object:
    if isinstance(value, datetime):  # from Python code (config as code, the forms)
        return value
    if not isinstance(value, str) or _NUMBER.fullmatch(value.strip()):
        raise ValueError(MESSAGE)
    return value


def as_utc(moment: datetime) -> datetime:
    """A time without an offset is read as UTC, as everywhere in the API."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00+01:00 is in year 0 in UTC, which Python has not: the earliest
        # time there is (the latest, past 9999), as valid a bound as it means to be.
        return EARLIEST if moment.year == datetime.min.year else LATEST


Instant = Annotated[
    datetime,
    BeforeValidator(_iso_text),
    # JSON has no date type: the string is parsed, so not strict here.
    Field(strict=False, description="ISO 8601, such as 2026-12-24T22:00:00Z (UTC if no offset)."),
    AfterValidator(as_utc),
]
