"""The one table saying which permission every API route needs, and who audits its successes.

Every route registered in the daemon's aiohttp app must appear here: a test fails on any
route missing from ``ROUTE_PERMISSIONS``, so a new endpoint is classified when it lands.
Keys are (method, canonical path) as aiohttp reports them, e.g.
``("POST", "/v1/bots/{ref}/{action}")``; HEAD is checked as GET.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from plutarc.access.roles import Permission

P = Permission


class AuditedBy(StrEnum):
    NOBODY = "nobody"  # a read: nothing changes
    HANDLER = "handler"  # the service writes its own before/after rows
    MIDDLEWARE = "middleware"  # the API middleware appends one row per success


@dataclass(frozen=True)
class Rule:
    permission: Permission
    # Body keys that need more: e.g. a bot config patch carrying "risk" also needs MANAGE_RISK.
    # A key counts when present with a value other than null/false.
    body_needs: tuple[tuple[str, Permission], ...] = ()
    audited_by: AuditedBy = AuditedBy.HANDLER
    action: str = ""  # the audit action the middleware writes (MIDDLEWARE rules only)


READ = Rule(P.VIEW, audited_by=AuditedBy.NOBODY)
_RISKY_BODY = (("risk", P.MANAGE_RISK),)

ROUTE_PERMISSIONS: dict[tuple[str, str], Rule] = {
    ("GET", "/v1/status"): READ,
    ("GET", "/v1/stream"): READ,
    # bots
    ("GET", "/v1/bots"): READ,
    ("POST", "/v1/bots"): Rule(P.MANAGE_BOTS, body_needs=(*_RISKY_BODY, ("start", P.TRADE))),
    ("GET", "/v1/bots/{ref}"): READ,
    ("DELETE", "/v1/bots/{ref}"): Rule(P.MANAGE_BOTS),
    ("POST", "/v1/bots/{ref}/{action}"): Rule(P.TRADE),
    ("PATCH", "/v1/bots/{ref}/config"): Rule(P.MANAGE_BOTS, body_needs=_RISKY_BODY),
    ("PUT", "/v1/bots/{ref}/mode"): Rule(P.MANAGE_BOTS),
    ("GET", "/v1/bots/{ref}/risk"): READ,
    ("PUT", "/v1/bots/{ref}/risk"): Rule(P.MANAGE_RISK),
    ("GET", "/v1/bots/{ref}/candles"): READ,
    ("GET", "/v1/bots/{ref}/latency"): READ,
    ("DELETE", "/v1/bots/{ref}/orders/{client_id}"): Rule(P.TRADE),  # order.cancel
    ("GET", "/v1/bots/{ref}/instruments"): READ,
    ("GET", "/v1/bots/{ref}/history"): READ,
    ("POST", "/v1/bots/{ref}/template"): Rule(P.MANAGE_BOTS),  # move to a template version
    # templates
    ("GET", "/v1/templates"): READ,
    ("GET", "/v1/templates/{name}"): READ,
    ("PUT", "/v1/templates/{name}"): Rule(P.EDIT_TEMPLATES),
    # the promotion gate: marking a version fit for live money (with thresholds a caller may
    # override) is a risk decision, not a template edit
    ("POST", "/v1/templates/{name}/validations"): Rule(P.MANAGE_RISK),
    ("GET", "/v1/templates/{name}/validations"): READ,
    # ledger, events and the audit log
    ("GET", "/v1/positions"): READ,
    ("GET", "/v1/orders"): READ,
    ("GET", "/v1/fills"): READ,
    ("GET", "/v1/trades"): READ,
    ("GET", "/v1/equity"): READ,
    ("GET", "/v1/decisions"): READ,
    ("GET", "/v1/events"): READ,
    ("GET", "/v1/audit"): READ,
    ("GET", "/v1/pnl"): READ,
    ("GET", "/v1/instruments"): READ,
    # backtests: research on templates; they touch no bot, venue or key
    ("POST", "/v1/backtests"): Rule(P.EDIT_TEMPLATES, audited_by=AuditedBy.MIDDLEWARE,
                                    action="backtest.start"),
    ("GET", "/v1/backtests"): READ,
    ("GET", "/v1/backtests/jobs/{job_id}"): READ,
    ("GET", "/v1/backtests/{run_id}"): READ,
    ("POST", "/v1/research/sweeps"): Rule(P.EDIT_TEMPLATES, audited_by=AuditedBy.MIDDLEWARE,
                                          action="research.sweep"),
    ("GET", "/v1/research/sweeps"): READ,
    ("GET", "/v1/research/sweeps/{sweep_id}"): READ,
    ("GET", "/v1/research/sweeps/{sweep_id}/heatmap"): READ,
    ("POST", "/v1/research/sweeps/{sweep_id}/variants/{seq}/backtest"): Rule(
        P.EDIT_TEMPLATES, audited_by=AuditedBy.MIDDLEWARE, action="research.rerun"),
    ("POST", "/v1/research/walkforwards"): Rule(P.EDIT_TEMPLATES,
                                                audited_by=AuditedBy.MIDDLEWARE,
                                                action="research.walkforward"),
    ("GET", "/v1/research/walkforwards"): READ,
    ("GET", "/v1/research/walkforwards/{run_id}"): READ,
    ("GET", "/v1/research/walkforwards/{run_id}/heatmap"): READ,
    ("GET", "/v1/research/jobs/{job_id}"): READ,
    # read-only catalog for the TUI's forms
    ("GET", "/v1/components"): READ,
    ("GET", "/v1/catalog/templates"): READ,
    ("GET", "/v1/catalog/data"): READ,
    # access tokens
    ("GET", "/v1/access/whoami"): READ,
    ("GET", "/v1/access/tokens"): READ,
    ("POST", "/v1/access/tokens"): Rule(P.MANAGE_ACCESS),
    ("DELETE", "/v1/access/tokens/{name}"): Rule(P.MANAGE_ACCESS),
    # venue API keys (metadata only is ever served)
    ("GET", "/v1/keys"): READ,
    ("POST", "/v1/keys"): Rule(P.MANAGE_KEYS),
    ("DELETE", "/v1/keys/{label}"): Rule(P.MANAGE_KEYS),
    ("POST", "/v1/keys/{label}/test"): Rule(P.MANAGE_KEYS),
    ("GET", "/v1/keystore"): READ,
    ("POST", "/v1/keystore/unlock"): Rule(P.MANAGE_KEYS),
    # risk and operations (plutarc/daemon/api/risk_routes.py)
    ("POST", "/v1/panic"): Rule(P.KILL_SWITCH),
    ("POST", "/v1/bots/{ref}/stop"): Rule(P.TRADE),
    ("POST", "/v1/bots/{ref}/clear"): Rule(P.MANAGE_BOTS),
    ("GET", "/v1/risk/accounts"): READ,
    ("PUT", "/v1/risk/accounts"): Rule(P.MANAGE_RISK),
    ("GET", "/v1/ops/dust"): READ,
    ("POST", "/v1/ops/close-dust"): Rule(P.TRADE),
    ("GET", "/v1/ops/health"): READ,
    ("GET", "/v1/ops/reconcile"): READ,
    # notifications (plutarc/daemon/api/notify_routes.py): channel URLs are secrets
    ("GET", "/v1/notify"): READ,
    ("POST", "/v1/notify/channels"): Rule(P.MANAGE_ACCESS),
    ("DELETE", "/v1/notify/channels/{name}"): Rule(P.MANAGE_ACCESS),
    ("POST", "/v1/notify/channels/{name}/test"): Rule(P.MANAGE_ACCESS),
    ("PUT", "/v1/notify/routes"): Rule(P.MANAGE_ACCESS),
    ("PUT", "/v1/notify/settings"): Rule(P.MANAGE_ACCESS),
    ("POST", "/v1/notify/summary"): Rule(P.MANAGE_ACCESS),
}


def rule_for(method: str, canonical: str) -> Rule | None:
    method = "GET" if method.upper() == "HEAD" else method.upper()
    return ROUTE_PERMISSIONS.get((method, canonical))


def _counts(value: Any) -> bool:
    return value is not None and value is not False


def required_permissions(rule: Rule, body: Mapping[str, Any] | None) -> list[Permission]:
    """The route's permission, then those the request body adds, without repeats."""
    needed = [rule.permission]
    for key, permission in rule.body_needs:
        if body is not None and _counts(body.get(key)) and permission not in needed:
            needed.append(permission)
    return needed


def unclassified(routes: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Registered (method, canonical path) pairs this table does not cover."""
    return sorted({(m, p) for m, p in routes if m != "*" and rule_for(m, p) is None})
