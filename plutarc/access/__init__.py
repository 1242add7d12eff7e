"""Access control of the daemon API: roles, permissions per route, tokens and the gate."""

from plutarc.access.permissions import ROUTE_PERMISSIONS, AuditedBy, Rule, rule_for
from plutarc.access.roles import GRANTABLE_ROLES, ROLE_PERMISSIONS, Permission, Role

__all__ = [
    "GRANTABLE_ROLES",
    "ROLE_PERMISSIONS",
    "ROUTE_PERMISSIONS",
    "AuditedBy",
    "Permission",
    "Role",
    "Rule",
    "rule_for",
]
