"""Tags as a monitor holds them: each once, sorted, and as one /metrics label."""

from __future__ import annotations

from betteruptime.domain.tags import (
    MAX_TAGS,
    normalised_tags,
    tag_problem,
    tags_label,
    too_many_tags,
    with_tags,
    without_tags,
)


def test_tags_are_kept_once_each_in_one_order_with_their_case() -> None:
    assert normalised_tags(["web", "Prod", "prod", "web"]) == ["Prod", "prod", "web"]


def test_a_comma_is_refused_since_it_separates_tags() -> None:
    assert tag_problem("a,b") is not None
    assert tag_problem("team:payments") is None


def test_more_tags_than_a_monitor_may_have_are_named() -> None:
    assert too_many_tags([f"t{n}" for n in range(MAX_TAGS)]) is None
    assert "at most 20" in (too_many_tags([f"t{n}" for n in range(MAX_TAGS + 1)]) or "")
    # Repeats count once.
    assert too_many_tags(["a"] * (MAX_TAGS + 5)) is None


def test_the_metrics_label_finds_a_tag_whole_with_commas_around_each() -> None:
    assert tags_label(["prod", "db"]) == ",db,prod,"
    assert tags_label([]) == ""


def test_adding_and_removing_tags_keeps_the_order() -> None:
    assert with_tags(["b", "d"], ["c", "a", "b"]) == ["a", "b", "c", "d"]
    assert without_tags(["a", "b", "c"], ["b", "x"]) == ["a", "c"]
