"""The permission table: owner ⊃ admin ⊃ editor ⊃ viewer, as the issue states them."""

from __future__ import annotations

import itertools

import pytest

from betteruptime.domain.roles import (
    ACTIONS,
    PERMISSIONS,
    ROLES,
    allows,
    least_role,
    may_touch,
    outranks,
    refusal,
)


def test_each_role_can_do_everything_the_role_below_it_can_and_more() -> None:
    for higher, lower in itertools.pairwise(ROLES):
        assert PERMISSIONS[higher] > PERMISSIONS[lower], (higher, lower)
        assert outranks(higher, lower)
        assert not outranks(lower, higher)


def test_every_action_is_allowed_to_the_owner_and_belongs_to_some_role() -> None:
    assert set(ACTIONS) == PERMISSIONS["owner"]


def test_a_viewer_reads_and_changes_nothing() -> None:
    assert PERMISSIONS["viewer"] == {"read"}
    assert not allows("viewer", "read_secrets")


@pytest.mark.parametrize(
    "action", ["write_monitors", "write_status_pages", "write_maintenance", "acknowledge"]
)
def test_an_editor_changes_monitors_status_pages_and_windows_and_acknowledges(
    action: str,
) -> None:
    assert allows("editor", action)  # type: ignore[arg-type]
    assert not allows("viewer", action)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "action",
    ["manage_members", "manage_invitations", "write_channels", "manage_tokens", "read_audit_log"],
)
def test_an_admin_manages_members_invitations_channels_and_tokens(action: str) -> None:
    assert allows("admin", action)  # type: ignore[arg-type]
    assert not allows("editor", action)  # type: ignore[arg-type]


@pytest.mark.parametrize("action", ["delete_organization", "manage_owners"])
def test_only_an_owner_deletes_the_organization_and_manages_owners(action: str) -> None:
    assert least_role(action) == "owner"  # type: ignore[arg-type]
    assert not allows("admin", action)  # type: ignore[arg-type]


def test_a_refusal_names_the_role_the_action_and_who_to_ask() -> None:
    assert refusal("viewer", "write_monitors") == (
        "viewers cannot change monitors (editors and above can); ask an admin of the organization"
    )
    assert refusal("admin", "delete_organization") == (
        "admins cannot delete the organization (only owners can); ask an owner of the organization"
    )


def test_only_owners_give_take_or_remove_the_owner_role() -> None:
    assert may_touch("admin", "viewer", "editor")
    assert not may_touch("admin", "viewer", "owner")
    assert not may_touch("admin", "owner")
    assert may_touch("owner", "owner", "viewer")
