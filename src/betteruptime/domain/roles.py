"""Roles in an organization and what each may do: one table, pure.

    owner  ⊃ admin ⊃ editor ⊃ viewer

- `viewer` reads everything but secrets and changes nothing;
- `editor` also changes monitors, status pages and maintenance windows, acknowledges
  incidents and sees the monitors' secrets (heartbeat ping URLs);
- `admin` also manages members, invitations, channels, API tokens and the organization's
  name, and reads the audit log;
- `owner` also deletes the organization and makes or unmakes owners.

An organization's API token has a scope, `read` or `write`, and may do only what both
its scope (SCOPE_ACTIONS) and its maker's role allow:

- `read` reads (as a viewer: no secrets) and changes nothing;
- `write` does everything an admin does except managing members, invitations, API tokens
  and the organization itself: a script's token cannot hand out access.

Every route declares the one action it needs (api/access.py); the dependency that resolves
a request's organization refuses it with `refusal(role, action)` unless `allows`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

Role = Literal["owner", "admin", "editor", "viewer"]
# From the most to the least powerful.
ROLES: tuple[Role, ...] = get_args(Role)

Action = Literal[
    "read",
    "read_secrets",
    "write_monitors",
    "write_status_pages",
    "write_maintenance",
    "acknowledge",
    "write_channels",
    "manage_tokens",
    "manage_members",
    "manage_invitations",
    "manage_organization",
    "read_audit_log",
    "delete_organization",
    "manage_owners",
]
ACTIONS: tuple[Action, ...] = get_args(Action)

_VIEWER: frozenset[Action] = frozenset({"read"})
_EDITOR: frozenset[Action] = _VIEWER | {
    "read_secrets",
    "write_monitors",
    "write_status_pages",
    "write_maintenance",
    "acknowledge",
}
_ADMIN: frozenset[Action] = _EDITOR | {
    "write_channels",
    "manage_tokens",
    "manage_members",
    "manage_invitations",
    "manage_organization",
    "read_audit_log",
}
_OWNER: frozenset[Action] = _ADMIN | {"delete_organization", "manage_owners"}

PERMISSIONS: Mapping[Role, frozenset[Action]] = {
    "owner": _OWNER,
    "admin": _ADMIN,
    "editor": _EDITOR,
    "viewer": _VIEWER,
}

Scope = Literal["read", "write"]
SCOPES: tuple[Scope, ...] = get_args(Scope)
_ACCESS: frozenset[Action] = frozenset(
    {"manage_tokens", "manage_members", "manage_invitations", "manage_organization"}
)
SCOPE_ACTIONS: Mapping[Scope, frozenset[Action]] = {
    "read": _VIEWER,
    "write": _ADMIN - _ACCESS,
}

# How a refusal names each action: "viewers cannot <this>".
_PHRASES: Mapping[Action, str] = {
    "read": "read this organization",
    "read_secrets": "see secrets",
    "write_monitors": "change monitors",
    "write_status_pages": "change status pages",
    "write_maintenance": "change maintenance windows",
    "acknowledge": "acknowledge incidents",
    "write_channels": "change channels",
    "manage_tokens": "manage API tokens",
    "manage_members": "manage members",
    "manage_invitations": "manage invitations",
    "manage_organization": "change the organization",
    "read_audit_log": "read the audit log",
    "delete_organization": "delete the organization",
    "manage_owners": "make or unmake owners",
}


def is_role(value: object) -> bool:
    return value in ROLES


def allows(role: Role, action: Action) -> bool:
    """Whether a member with `role` may do `action`."""
    return action in PERMISSIONS[role]


def least_role(action: Action) -> Role:
    """The least powerful role that may do `action`."""
    return next(role for role in reversed(ROLES) if allows(role, action))


def refusal(role: Role, action: Action) -> str:
    """What a member whose role does not allow `action` is told, naming both and who
    can help: "viewers cannot change monitors (editors and above can); ask an admin"."""
    needed = least_role(action)
    helper = "an owner" if needed in ("owner", "admin") else "an admin"
    above = "only owners can" if needed == "owner" else f"{needed}s and above can"
    return f"{role}s cannot {_PHRASES[action]} ({above}); ask {helper} of the organization"


def may_touch(actor: Role, *roles: str) -> bool:
    """Whether `actor` may give, take away or remove a member with these roles: anyone
    who manages members, except that only owners make, unmake or remove owners."""
    return "owner" not in roles or allows(actor, "manage_owners")


def outranks(role: Role, other: Role) -> bool:
    """Whether `role` has every permission of `other` and more."""
    return PERMISSIONS[role] > PERMISSIONS[other]


def scope_allows(scope: Scope, action: Action) -> bool:
    """Whether an organization's API token of `scope` may do `action` (its maker's role
    must allow it too)."""
    return action in SCOPE_ACTIONS[scope]


def scope_refusal(scope: Scope) -> str:
    """What a token is told when its scope (not its maker's role) refuses an action."""
    if scope == "read":
        return "This API token is read-only; use a write token to change anything."
    return (
        "An organization's write token cannot manage members, invitations, API tokens or "
        "the organization; use an admin's sign-in token."
    )
