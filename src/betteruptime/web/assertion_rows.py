"""The monitor form's assertion rows: `{source, property, comparison, target}` as four
boxes per row, to and from the API's `assertions`.

Each box is a repeated form field (`assertion_source`, `assertion_property`,
`assertion_comparison`, `assertion_target`), one value per row in order. A row left
wholly empty is no assertion, so the blank row a form offers sends nothing. Property
and target keep their blanks and show control characters as escapes, like every text
box (web/form_text.py). The form always ends with a blank row; *Add an assertion* and
*Remove* (app.js) add and take out rows in the page, and without JavaScript emptying a
row's boxes removes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, get_args

from starlette.datastructures import FormData

from betteruptime.domain.messages import AssertionSource, Comparison
from betteruptime.web.form_text import read, show
from betteruptime.web.forms import texts

FIELD = "assertions"
PARTS = ("source", "property", "comparison", "target")
SOURCES = get_args(AssertionSource)
COMPARISONS = get_args(Comparison)

Row = dict[str, str]


def shown_rows(stored: Sequence[Mapping[str, Any]] | None) -> list[Row]:
    """Stored assertions as the rows' text."""
    return [
        {
            part: show(str(row.get(part) or ""))
            if part in ("property", "target")
            else str(row.get(part) or "")
            for part in PARTS
        }
        for row in stored or []
    ]


def sent_rows(form: FormData) -> list[Row]:
    """The rows as submitted (the form sends each box once per row, in order)."""
    columns = {part: texts(form, f"assertion_{part}") for part in PARTS}
    count = max(len(values) for values in columns.values())
    return [
        {part: values[i] if i < len(values) else "" for part, values in columns.items()}
        for i in range(count)
    ]


def body_rows(rows: Sequence[Row]) -> list[dict[str, str]]:
    """The API's `assertions` for the rows: empty rows left out, empty boxes not sent
    (the API says which a row needs)."""
    body = []
    for row in rows:
        if not any(row.values()):
            continue
        entry = {"source": row["source"], "comparison": row["comparison"]}
        for part in ("property", "target"):
            if row[part] != "":
                entry[part] = read(row[part])
        body.append(entry)
    return body
