"""What a browser submits for a page's form: every field read from the HTML as a browser
reads it, and the values it would send if the user changed nothing.

Follows the HTML standard where a server-rendered form depends on it: the input stream
turns CR LF and CR into LF; a text area drops one line break right after its start tag
and sends its line breaks as CR LF; a text box drops line breaks from its value; a
number box sends "" for what is not a number; an unticked checkbox sends nothing and a
ticked one its value ("on" without one); a select sends its selected option, else its
first; disabled fields and buttons send nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html.parser import HTMLParser

Fields = list[tuple[str, str]]
_NOT_SENT = ("submit", "button", "reset", "image", "file")


@dataclass(slots=True)
class _Select:
    name: str
    options: list[tuple[str, bool]] = field(default_factory=list)


class _FormReader(HTMLParser):
    def __init__(self, action: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.found = False
        self.fields: Fields = []
        self._textarea: tuple[str, list[str]] | None = None
        self._select: _Select | None = None
        self._option: tuple[str | None, bool, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and not self.found:
            self.inside = self.action is None or attributes.get("action") == self.action
            self.found = self.inside
            return
        if not self.inside or "disabled" in attributes:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            self._input(name, attributes)
        elif tag == "textarea" and name:
            self._textarea = (name, [])
        elif tag == "select" and name:
            self._select = _Select(name)
        elif tag == "option" and self._select is not None:
            self._option = (attributes.get("value"), "selected" in attributes, [])

    def _input(self, name: str, attributes: dict[str, str]) -> None:
        kind = attributes.get("type", "text").lower()
        value = attributes.get("value", "")
        if kind in _NOT_SENT:
            return
        if kind in ("checkbox", "radio"):
            if "checked" in attributes:
                self.fields.append((name, value or "on"))
            return
        if kind == "number" and not _is_number(value):
            value = ""
        self.fields.append((name, value.replace("\n", "")))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)
        elif self._option is not None:
            self._option[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            name, parts = self._textarea
            text = "".join(parts).removeprefix("\n")
            self.fields.append((name, text.replace("\n", "\r\n")))
            self._textarea = None
        elif tag == "option" and self._select is not None and self._option is not None:
            value, selected, text = self._option
            self._select.options.append((value if value is not None else "".join(text), selected))
            self._option = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._select.options if selected]
            first = [value for value, _ in self._select.options[:1]]
            for value in chosen[-1:] or first:
                self.fields.append((self._select.name, value))
            self._select = None


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def form_fields(html: str, action: str | None = None) -> Fields:
    """The (name, value) pairs the page's form (the one posting to `action`, else the
    first) sends as it stands, in document order."""
    reader = _FormReader(action)
    reader.feed(html.replace("\r\n", "\n").replace("\r", "\n"))
    reader.close()
    assert reader.found, f"no form posting to {action}" if action else "no form on the page"
    return reader.fields


def as_data(fields: Fields, **changes: str | list[str]) -> dict[str, str | list[str]]:
    """The pairs as httpx form data, with `changes` typed over them (a list for a field
    sent several times, as ticked checkboxes are; [] for none)."""
    data: dict[str, str | list[str]] = {}
    for name, value in fields:
        current = data.get(name)
        if current is None:
            data[name] = value
        elif isinstance(current, list):
            current.append(value)
        else:
            data[name] = [current, value]
    data.update(changes)
    return data
