"""Text as a form field shows it, and read back exactly as it was.

A one-line box cannot hold a line break (browsers drop CR and LF from it), a text area
turns every line break into CR LF when the form is sent, and control characters are
invisible, so a value such as a TCP monitor's `PING\\r\\n` would not survive a form
that showed it as it is. Control characters are therefore shown as escapes, `\\n`,
`\\r`, `\\t` or `\\xHH`, and a backslash is doubled where it would otherwise read as the
start of one; anything else, spaces at either end included, is shown as it is.

Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPE_LETTERS = "\\nrtx"
_ESCAPE = re.compile(r"\\(\\|n|r|t|x[0-9A-Fa-f]{2})")
_READ = {"\\": "\\", "n": "\n", "r": "\r", "t": "\t"}
ESCAPES_HINT = (
    "Write a line break as \\n, a carriage return as \\r, a tab as \\t; \\\\ is a backslash."
)


def _is_escaped(char: str, keep: str) -> bool:
    return unicodedata.category(char) == "Cc" and char not in keep


def needs_escapes(text: str, *, keep: str = "") -> bool:
    """Whether `text` holds a control character other than those in `keep`."""
    return any(_is_escaped(char, keep) for char in text)


def show(text: str, *, keep: str = "") -> str:
    """`text` for a form field: every control character but those in `keep` as an
    escape; a backslash doubled when the next character would make it one."""
    shown: list[str] = []
    for index, char in enumerate(text):
        following = text[index + 1 : index + 2]
        if char == "\\":
            doubled = following and (following in _ESCAPE_LETTERS or _is_escaped(following, keep))
            shown.append("\\\\" if doubled else "\\")
        elif _is_escaped(char, keep):
            shown.append(_NAMED.get(char) or f"\\x{ord(char):02x}")
        else:
            shown.append(char)
    return "".join(shown)


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    return chr(int(code[1:], 16)) if code.startswith("x") else _READ[code]


def read(text: str) -> str:
    """The value `show` showed as `text` (a backslash not followed by an escape is
    itself, so a typed `C:\\Temp` stays as it is)."""
    return _ESCAPE.sub(_unescape, text)


def lines_sent(text: str) -> str:
    """A text area's value as typed: browsers send its line breaks as CR LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def edge_spaces(value: object) -> str:
    """A note for a box whose text begins or ends with blanks, which a box does not show
    (and which matter: a keyword " ALIVE " is not "ALIVE"); empty when there are none."""
    if not isinstance(value, str) or value.strip() == value:
        return ""
    if not value.strip():
        return f"Only blanks ({len(value)}), kept as they are."
    lead, trail = len(value) - len(value.lstrip()), len(value) - len(value.rstrip())
    ends = [f"{word} with {_blanks(count)}" for word, count in (("begins", lead), ("ends", trail))]
    said = " and ".join(end for end, count in zip(ends, (lead, trail), strict=True) if count)
    return f"{said.capitalize()}, kept as they are."


def _blanks(count: int) -> str:
    return "a blank" if count == 1 else f"{count} blanks"
