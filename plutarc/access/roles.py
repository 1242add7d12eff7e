"""Roles and permissions: what each kind of API caller may do."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    VIEW = "view"
    TRADE = "trade"
    MANAGE_BOTS = "manage_bots"
    EDIT_TEMPLATES = "edit_templates"
    MANAGE_RISK = "manage_risk"
    MANAGE_KEYS = "manage_keys"
    MANAGE_ACCESS = "manage_access"
    KILL_SWITCH = "kill_switch"

    @property
    def phrase(self) -> str:
        """As it reads after 'cannot': 'viewer cannot manage keys'."""
        return _PHRASES[self]


_PHRASES = {
    Permission.VIEW: "view",
    Permission.TRADE: "trade (start, pause, resume, stop or flatten bots)",
    Permission.MANAGE_BOTS: "manage bots",
    Permission.EDIT_TEMPLATES: "edit templates",
    Permission.MANAGE_RISK: "manage risk",
    Permission.MANAGE_KEYS: "manage keys",
    Permission.MANAGE_ACCESS: "manage access",
    Permission.KILL_SWITCH: "use the kill switch",
}


class Role(StrEnum):
    OWNER = "owner"  # the Unix user the daemon runs as; never granted as a token
    ADMIN = "admin"
    RISK = "risk"
    TRADER = "trader"
    VIEWER = "viewer"


GRANTABLE_ROLES: tuple[Role, ...] = (Role.VIEWER, Role.TRADER, Role.RISK, Role.ADMIN)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: frozenset(Permission),
    # The risk desk changes limits and may halt everything, but does not run strategies.
    Role.RISK: frozenset({Permission.VIEW, Permission.MANAGE_RISK, Permission.KILL_SWITCH}),
    # A trader runs bots end to end; halting is a safety action anyone who trades may take.
    Role.TRADER: frozenset({Permission.VIEW, Permission.TRADE, Permission.MANAGE_BOTS,
                            Permission.EDIT_TEMPLATES, Permission.KILL_SWITCH}),
    Role.VIEWER: frozenset({Permission.VIEW}),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


def grantable_role(text: str) -> Role:
    """The role named ``text``, if a token may carry it; otherwise a clear UsageError."""
    from plutarc.errors import UsageError

    names = ", ".join(r.value for r in GRANTABLE_ROLES)
    try:
        role = Role(text.strip().lower())
    except ValueError:
        raise UsageError(f"unknown role {text!r}; choose one of: {names}") from None
    if role not in GRANTABLE_ROLES:
        raise UsageError(f"role {role.value!r} cannot be granted (it is the Unix user running "
                         f"the daemon); choose one of: {names}")
    return role
