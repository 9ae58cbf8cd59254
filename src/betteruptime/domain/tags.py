"""Tags and groups: labels people give monitors to find and act on many at once.

A tag is a short label (`prod`, `team:payments`): blanks around it are trimmed, its case
is kept (`Prod` and `prod` are two tags), and it holds no control character and no comma
(a comma separates tags in the dashboard's box and in the `/metrics` label). A monitor
has each tag once, at most MAX_TAGS of them, always in one order (sorted), so the API,
config as code and the dashboard's form read and compare them alike. A group is one
name a monitor is shown under on the overview, or none.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_TAGS = 20
MAX_TAG_LENGTH = 50
MAX_GROUP_LENGTH = 100
TAG_SEPARATOR = ","


def tag_problem(tag: str) -> str | None:
    """What is wrong with a tag already trimmed, or None."""
    if TAG_SEPARATOR in tag:
        return "a tag may not contain a comma (commas separate tags)"
    return None


def normalised_tags(tags: Iterable[str]) -> list[str]:
    """Each tag once, sorted; the tags must already be trimmed and valid."""
    return sorted(set(tags))


def too_many_tags(tags: Iterable[str]) -> str | None:
    """The message when there are more tags than a monitor may have, else None."""
    count = len(set(tags))
    if count > MAX_TAGS:
        return f"a monitor has at most {MAX_TAGS} tags; got {count}"
    return None


def tags_label(tags: Iterable[str]) -> str:
    """The tags as one `/metrics` label value, `,db,prod,` (empty: no tag), as
    Prometheus' Consul discovery writes them: `tags=~".*,prod,.*"` finds a tag whole."""
    ordered = normalised_tags(tags)
    return f",{TAG_SEPARATOR.join(ordered)}," if ordered else ""


def with_tags(current: Iterable[str], added: Iterable[str]) -> list[str]:
    """`current` and `added` together, normalised."""
    return normalised_tags([*current, *added])


def without_tags(current: Iterable[str], removed: Iterable[str]) -> list[str]:
    """`current` less `removed`, normalised."""
    gone = set(removed)
    return normalised_tags(tag for tag in current if tag not in gone)
