"""README.md's table of channel URLs: every example is one Apprise accepts, and one that
`mask_url` shows without its secrets.

What counts as a secret is Apprise's word, not ours: the values its plugin marks private
(tokens, keys, passwords) and the values of authentication headers. So the masking check
does not replay the masking rule; it checks it against an independent account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from apprise import Apprise
from apprise.manager_plugins import NotificationManager

from betteruptime.alerting.urls import (
    ADDRESS_SCHEMES,
    KEEP_CHARS,
    MASK,
    mask_url,
    validate_apprise_url,
)

README = Path(__file__).resolve().parents[2] / "README.md"
HEADING = "### Channel URLs"
COLUMNS = ["kind", "Apprise URL", "example"]

# A word of the kind column, and the schemes an example of that kind may use.
REQUIRED_KINDS = {
    "e-mail": {"mailto", "mailtos"},
    "sms": {"twilio"},
    "voice": {"twilio"},
    "whatsapp": {"whatsapp", "twilio"},
    "slack": {"slack"},
    "discord": {"discord"},
    "telegram": {"tgram"},
    "teams": {"workflow", "workflows"},
    "pagerduty": {"pagerduty"},
    "opsgenie": {"opsgenie"},
    "webhook": {"json", "jsons"},
}
SECRET_HEADER = re.compile(r"auth|token|key|secret|signature", re.IGNORECASE)
_CODE = re.compile(r"`([^`]+)`")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*)://", re.IGNORECASE)


@dataclass(frozen=True)
class Row:
    kind: str
    forms: list[str]
    examples: list[str]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def channel_rows(text: str) -> list[Row]:
    """The rows of the first table after the heading."""
    _, found, after = text.partition(f"\n{HEADING}\n")
    assert found, f"README.md has no {HEADING!r} heading"
    lines = after.splitlines()
    start = next((n for n, line in enumerate(lines) if line.startswith("|")), None)
    assert start is not None, f"no table after {HEADING!r}"
    assert not any(line.startswith("#") for line in lines[:start]), "the table is elsewhere"
    table: list[str] = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append(line)
    assert _cells(table[0]) == COLUMNS
    assert set(table[1]) <= set("|-: "), "the second line of the table is its rule"
    rows = []
    for line in table[2:]:
        cells = _cells(line)
        assert len(cells) == len(COLUMNS), f"a row needs {len(COLUMNS)} cells: {line}"
        kind, forms, examples = cells
        rows.append(Row(kind, _CODE.findall(forms), _CODE.findall(examples)))
    return rows


ROWS = channel_rows(README.read_text(encoding="utf-8"))


def _scheme(url: str) -> str:
    match = _SCHEME.match(url)
    assert match, f"not a URL: {url}"
    return match.group(1).lower()


EXAMPLES = [(row.kind, url) for row in ROWS for url in row.examples]
IDS = [f"{kind}-{_scheme(url)}" for kind, url in EXAMPLES]


def apprise_secrets(url: str) -> list[str]:
    """The secret values in `url`, as Apprise's plugin for it reads them."""
    plugin: Any = NotificationManager()[_scheme(url)]  # type: ignore[no-untyped-call]
    parsed: dict[str, Any] = plugin.parse_url(url)
    secrets: list[str] = []
    for declared in (plugin.template_tokens, plugin.template_args):
        for name, meta in declared.items():
            if meta.get("private"):
                value = parsed.get(name) or parsed.get(meta.get("map_to", name))
                if isinstance(value, str) and value:
                    secrets.append(value)
    headers: dict[str, str] = parsed.get("headers") or {}
    secrets += [value for name, value in headers.items() if SECRET_HEADER.search(name)]
    return secrets


def _pieces(secret: str) -> list[str]:
    """The parts of a secret that must not show (`id:token` has two); parts no longer
    than what the mask keeps cannot be told from a kept prefix."""
    return [piece for piece in re.split(r"[\s:]+", secret) if len(piece) > KEEP_CHARS]


def test_the_table_has_an_example_for_each_kind_of_channel() -> None:
    for word, schemes in REQUIRED_KINDS.items():
        rows = [row for row in ROWS if word in row.kind.lower()]
        assert rows, f"no row for {word}"
        for row in rows:
            assert row.examples, f"the {row.kind} row has no example"
            for url in row.examples:
                assert _scheme(url) in schemes, f"{row.kind}: {url} is not a {word} URL"


def test_every_apprise_form_in_the_table_has_an_example() -> None:
    known = NotificationManager()  # type: ignore[no-untyped-call]
    for row in ROWS:
        shown = {_scheme(url) for url in row.examples}
        for form in row.forms:
            match = _SCHEME.match(form)
            if match and match.group(1).lower() in known:
                assert match.group(1).lower() in shown, f"{row.kind}: no example of {form}"


@pytest.mark.parametrize(("kind", "url"), EXAMPLES, ids=IDS)
def test_apprise_accepts_every_example(kind: str, url: str) -> None:
    assert validate_apprise_url(url) == url
    # Apprise also takes some URLs that cannot deliver: no host (`mailtos://u:p@?to=…`),
    # or no recipient (`whatsapp://token@id`). An example names both.
    service: Any = Apprise.instantiate(url, suppress_exceptions=True)
    assert service.host, f"{kind}: Apprise reads no host in {url}"
    assert getattr(service, "targets", None) != [], f"{kind}: {url} names no recipient"


@pytest.mark.parametrize(("kind", "url"), EXAMPLES, ids=IDS)
def test_every_example_is_shown_without_its_secrets(kind: str, url: str) -> None:
    secrets = apprise_secrets(url)
    if _scheme(url) not in ADDRESS_SCHEMES:
        assert secrets, f"{kind}: Apprise sees no credential in {url}"

    masked = mask_url(url)

    if secrets:
        assert masked != url
        assert MASK in masked
    for secret in secrets:
        for piece in _pieces(secret):
            assert piece not in masked, f"{kind}: {masked} shows a secret"


@pytest.mark.parametrize(
    ("word", "method"), [("voice", "call"), ("sms", "sms")], ids=["voice", "sms"]
)
def test_the_twilio_examples_call_or_text_as_their_row_says(word: str, method: str) -> None:
    urls = [url for row in ROWS if word in row.kind.lower() for url in row.examples]
    assert urls
    for url in urls:
        service: Any = Apprise.instantiate(url, suppress_exceptions=True)
        assert service is not None
        assert service.method == method
