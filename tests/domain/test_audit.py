"""What of a change the audit log may write down: secrets masked, unchanged fields left out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from betteruptime.domain.audit import MASK, changes_of, created, is_action, is_secret, masked


@pytest.mark.parametrize(
    "field",
    ["password", "password_hash", "ping_token", "token", "headers", "Authorization", "totp_secret"],
)
def test_it_knows_secret_fields_by_their_names(field: str) -> None:
    assert is_secret(field)


@pytest.mark.parametrize("field", ["name", "url", "interval_seconds", "keyword", "monitor_ids"])
def test_it_does_not_hide_ordinary_fields(field: str) -> None:
    assert not is_secret(field)


def test_header_values_are_masked_but_their_names_stay() -> None:
    assert masked("headers", {"Authorization": "Bearer x", "Accept": "*/*"}) == {
        "Authorization": MASK,
        "Accept": MASK,
    }


def test_a_url_keeps_its_user_but_loses_its_password() -> None:
    assert masked("url", "https://bob:hunter2@example.com/x") == f"https://bob:{MASK}@example.com/x"
    assert masked("url", "https://example.com/a@b") == "https://example.com/a@b"


def test_fields_named_secret_by_the_caller_are_masked() -> None:
    assert changes_of({"url": ("json://a/1", "json://b/2")}, secrets=("url",)) == {
        "url": [MASK, MASK]
    }


def test_secrets_inside_lists_of_steps_are_masked() -> None:
    steps = [{"url": "https://example.com/", "headers": {"X-Key": "k"}, "password": "p"}]
    assert masked("steps", steps) == [
        {"url": "https://example.com/", "headers": {"X-Key": MASK}, "password": MASK}
    ]


def test_only_changed_fields_are_kept_and_values_become_json() -> None:
    moment = datetime(2026, 1, 2, tzinfo=UTC)
    assert changes_of({"name": ("a", "a"), "at": (None, moment), "tags": ({"b", "a"}, None)}) == {
        "at": [None, "2026-01-02T00:00:00+00:00"],
        "tags": [["a", "b"], None],
    }


def test_a_creation_leaves_out_empty_fields_and_masks_a_ping_token() -> None:
    assert created({"name": "x", "group": None, "tags": [], "ping_token": "abc"}) == {
        "name": [None, "x"],
        "ping_token": [None, MASK],
    }


@pytest.mark.parametrize(
    ("action", "valid"),
    [("monitor.create", True), ("auth.sign_in_failed", True), ("Monitor.x", False), ("x", False)],
)
def test_actions_are_object_dot_verb(action: str, valid: bool) -> None:
    assert is_action(action) is valid
