"""The API's gate: authenticate each request, check its route's permission, audit successes."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from plutarc.access.audit_trail import AuditTrail
from plutarc.access.identity import Identity, authenticate, peer_uid, user_name
from plutarc.access.permissions import AuditedBy, Rule, required_permissions, rule_for
from plutarc.access.refusals import RefusalAudit
from plutarc.access.roles import Role
from plutarc.access.tokens import TokenStore
from plutarc.clock import Clock
from plutarc.errors import PermissionDenied, PlutarcError, UsageError
from plutarc.untrusted import load_json

log = logging.getLogger("plutarc.access")


@dataclass
class AccessState:
    tokens: TokenStore
    audit: AuditTrail
    clock: Clock
    daemon_uid: int  # callers with this uid and no token are the owner
    refusals: RefusalAudit = field(init=False)

    def __post_init__(self) -> None:
        self.refusals = RefusalAudit(self.audit)


ACCESS = web.AppKey("access", AccessState)
IDENTITY = web.RequestKey("identity", Identity)


def _rule(request: web.Request) -> tuple[Rule | None, str | None]:
    """The route's rule and canonical path; (None, None) when nothing matched (404/405)."""
    match = request.match_info
    if match.http_exception is not None or match.route.resource is None:
        return None, None
    canonical = match.route.resource.canonical
    return rule_for(request.method, canonical), canonical


async def _json_body(request: web.Request) -> dict[str, Any] | None:
    """The body as a dict for permission checks; anything else is left to the handler's 400."""
    try:
        data = load_json(await request.read() or b"{}", "request body")
    except UsageError:
        return None
    return data if isinstance(data, dict) else None


def _deny(identity: Identity, what: str, request: web.Request) -> PermissionDenied:
    log.warning("refused %s %s to %s (%s): cannot %s", request.method, request.path,
                identity.name, identity.role, what)
    return PermissionDenied(f"permission denied: {identity.role} cannot {what} "
                            f"({identity.name}: {request.method} {request.path})")


async def authorize(request: web.Request) -> Identity:
    """Who calls, after checking they may call this route; raises 401/403 errors otherwise."""
    state = request.app.get(ACCESS)
    if state is None:  # fail closed: an app without access control serves nobody
        raise PlutarcError("access control is not set up on this daemon")
    identity = authenticate(request, state.tokens, state.daemon_uid, state.clock.now_ms())
    request[IDENTITY] = identity
    rule, canonical = _rule(request)
    if canonical is None or identity.role is Role.OWNER:
        return identity
    if rule is None:
        raise _deny(identity, f"call {request.method} {canonical}, a route missing from "
                    "plutarc/access/permissions.py", request)
    body = await _json_body(request) if rule.body_needs else None
    for permission in required_permissions(rule, body):
        if not identity.can(permission):
            raise _deny(identity, permission.phrase, request)
    return identity


def _response_json(response: web.StreamResponse) -> Any:
    text = response.text if isinstance(response, web.Response) else None
    try:
        data = json.loads(text) if text else None
    except json.JSONDecodeError:
        return None
    if isinstance(data, dict):
        data.pop("api_version", None)
    return data


def audit_success(request: web.Request, response: web.StreamResponse) -> None:
    """Append the audit row of a success on a route the middleware audits."""
    rule, _ = _rule(request)
    if rule is None or rule.audited_by is not AuditedBy.MIDDLEWARE or response.status >= 400:
        return
    state, identity = request.app[ACCESS], request[IDENTITY]
    state.audit.append(identity.name, state.clock.now_ms(), rule.action, request.path, None,
                       _response_json(response))


def audit_refusal(request: web.Request, status: int, message: str) -> None:
    """A 401 or 403 in the audit log (rate-limited per caller): who, what, why."""
    state = request.app.get(ACCESS)
    if state is None:
        return
    identity = request.get(IDENTITY)
    who = (identity.name if identity is not None
           else f"{user_name(peer_uid(request))} (not authenticated)")
    state.refusals.record(who, state.clock.now_ms(), status,
                          f"{request.method} {request.path}", message)
