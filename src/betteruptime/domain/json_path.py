"""JSON paths: the subset BetterUptime reads, parsed and looked up without I/O.

Supported: ``$`` (the whole document), ``.key``, ``['key']`` / ``["key"]`` (any key,
blanks and dots included, ``\\`` escapes the quote), ``[2]`` and ``[-1]`` (an index;
negative counts from the end), and ``.length`` (the number of items of an array, keys
of an object or characters of a string, unless the object has a key "length"). A
leading ``$`` may be left out (``a.b`` is ``$.a.b``), and a dotted step that is a number
(``a.0``) is a key of an object or an index of an array. Wildcards, filters, slices and
recursive descent (``[*]``, ``[?(...)]``, ``[1:3]``, ``..``) are not supported: a path
names at most one value, so a failure can say exactly where the document ends.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

LENGTH = "length"
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INDEX = re.compile(r"-?[0-9]+")


class JsonPathError(ValueError):
    """A JSON path is malformed, or does not lead to a value in a document."""


@dataclass(frozen=True)
class _Step:
    """One path step. A dotted name ("a.0") may be a key or an index, so it has both."""

    key: str | None
    index: int | None
    dotted: bool = False

    def render(self) -> str:
        if self.key is None:
            return f"[{self.index}]"
        if _PLAIN_KEY.fullmatch(self.key):
            return f".{self.key}"
        return f"[{json.dumps(self.key)}]"


def _parse(path: str) -> list[_Step]:
    text = path.strip()
    if not text:
        raise JsonPathError("invalid JSON path: it is empty")
    # "a.b" and "[0]" are shorthands for "$.a.b" and "$[0]".
    if not text.startswith("$"):
        text = "$" + text if text.startswith("[") else "$." + text
    steps: list[_Step] = []
    pos = 1
    while pos < len(text):
        char = text[pos]
        if char == ".":
            pos, step = _parse_dotted(path, text, pos + 1)
        elif char == "[":
            pos, step = _parse_bracket(path, text, pos + 1)
        else:
            raise JsonPathError(
                f'invalid JSON path "{path}": unexpected "{char}", expected "." or "["'
            )
        steps.append(step)
    return steps


def _parse_dotted(path: str, text: str, pos: int) -> tuple[int, _Step]:
    end = pos
    while end < len(text) and text[end] not in ".[":
        if text[end] in "]'\"":
            raise JsonPathError(f'invalid JSON path "{path}": unexpected "{text[end]}"')
        end += 1
    name = text[pos:end]
    if not name:
        raise JsonPathError(f'invalid JSON path "{path}": empty key after "."')
    index = int(name) if _INDEX.fullmatch(name) else None
    return end, _Step(key=name, index=index, dotted=True)


def _parse_bracket(path: str, text: str, pos: int) -> tuple[int, _Step]:
    if pos < len(text) and text[pos] in "'\"":
        quote, chars, pos = text[pos], [], pos + 1
        while pos < len(text) and text[pos] != quote:
            if text[pos] == "\\" and pos + 1 < len(text):
                pos += 1
            chars.append(text[pos])
            pos += 1
        if pos + 1 >= len(text) or text[pos + 1] != "]":
            raise JsonPathError(f'invalid JSON path "{path}": unterminated [{quote}...{quote}]')
        return pos + 2, _Step(key="".join(chars), index=None)
    end = text.find("]", pos)
    if end == -1:
        raise JsonPathError(f'invalid JSON path "{path}": "[" is never closed')
    inside = text[pos:end].strip()
    if not _INDEX.fullmatch(inside):
        raise JsonPathError(
            f'invalid JSON path "{path}": expected an index or a quoted key in '
            f'brackets, got "[{inside}]"'
        )
    return end + 1, _Step(key=None, index=int(inside))


def validate_json_path(path: str) -> str:
    """Return `path` stripped of surrounding blanks, or raise JsonPathError if malformed."""
    _parse(path)
    return path.strip()


def json_path_lookup(document: Any, path: str) -> Any:
    """The value at `path` in a decoded JSON `document` (see the module's docstring).

    Raises JsonPathError when the path is malformed or leads nowhere, naming the
    deepest part of the path that did exist.
    """
    value = document
    at = "$"
    for step in _parse(path):
        value = _step_into(value, step, path, at)
        at += step.render()
    return value


def _step_into(value: Any, step: _Step, path: str, at: str) -> Any:
    missing = f"JSON path {path.strip()} not found"
    if step.dotted and step.key == LENGTH and not (isinstance(value, dict) and LENGTH in value):
        if isinstance(value, list | dict | str):
            return len(value)
        raise JsonPathError(f"{missing}: {at} is {json_type(value)}, it has no length")
    if isinstance(value, dict):
        if step.key is None:
            raise JsonPathError(f"{missing}: {at} is an object, not an array")
        if step.key not in value:
            raise JsonPathError(f"{missing}: {at} has no key {json.dumps(step.key)}")
        return value[step.key]
    if isinstance(value, list):
        if step.index is None:
            raise JsonPathError(f"{missing}: {at} is an array, not an object")
        if not -len(value) <= step.index < len(value):
            raise JsonPathError(f"{missing}: {at} has {len(value)} items, no index {step.index}")
        return value[step.index]
    raise JsonPathError(f"{missing}: {at} is {json_type(value)}, not an object or array")


def json_type(value: Any) -> str:
    """ "null", "a boolean", "a number", "a string", "an array" or "an object"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "a string"
