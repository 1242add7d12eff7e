"""API routes for access: who am I, and named tokens (grant once, list, revoke)."""

from __future__ import annotations

import os
from pathlib import Path

from aiohttp import web
from pydantic import Field

from plutarc.access.guard import ACCESS, IDENTITY, AccessState
from plutarc.access.roles import ROLE_PERMISSIONS, Permission, Role
from plutarc.access.tokens import TokenInfo, TokenStore
from plutarc.daemon.api import keys_routes
from plutarc.daemon.api.http import parse_body, respond
from plutarc.daemon.api.routes import INFO, SERVICE
from plutarc.daemon.api.schemas import ApiModel, Envelope
from plutarc.daemon.api.stream import close_streams_of
from plutarc.models.events import EventKind

routes = web.RouteTableDef()


class WhoAmIResponse(Envelope):
    name: str
    role: Role
    via: str
    permissions: list[Permission]


class GrantRequest(ApiModel):
    name: str = Field(description="Token name: who is acting, in the audit log.")
    role: str = Field(description="viewer, trader, risk or admin.")
    expires_in_s: int | None = Field(None, gt=0, description="The token stops working this "
                                     "many seconds after it is granted (default: never).")


class TokenResponse(Envelope):
    token: TokenInfo


class GrantResponse(TokenResponse):
    secret: str = Field(description="The token itself: shown this once, never stored.")


class TokenListResponse(Envelope):
    tokens: list[TokenInfo]


def setup(app: web.Application) -> None:
    """Give ``app`` its token store, key store and the access and key routes."""
    service = app[SERVICE]
    app[ACCESS] = AccessState(TokenStore(service.store.db), service.store.audit, service.clock,
                              daemon_uid=os.getuid())
    keys = keys_routes.open_keystore(Path(app[INFO].database).parent, service.store.db,
                                     service.clock)
    keys.activate()  # live workers in this process fetch their bots' keys from it
    app[keys_routes.KEYS] = keys
    app.on_cleanup.append(_deactivate_keys)
    app.add_routes(routes)
    app.add_routes(keys_routes.routes)


async def _deactivate_keys(app: web.Application) -> None:
    app[keys_routes.KEYS].deactivate()


@routes.get("/v1/access/whoami")
async def whoami(request: web.Request) -> web.Response:
    me = request[IDENTITY]
    return respond(WhoAmIResponse(name=me.name, role=me.role, via=me.via,
                                  permissions=sorted(ROLE_PERMISSIONS[me.role])))


@routes.get("/v1/access/tokens")
async def list_tokens(request: web.Request) -> web.Response:
    return respond(TokenListResponse(tokens=request.app[ACCESS].tokens.all()))


@routes.post("/v1/access/tokens")
async def grant(request: web.Request) -> web.Response:
    body = await parse_body(request, GrantRequest)
    state, who, svc = request.app[ACCESS], request[IDENTITY].name, request.app[SERVICE]
    info, token = state.tokens.grant(body.name, body.role, who, state.clock.now_ms(),
                                     body.expires_in_s)
    state.audit.append(who, info.created_ms, "access.grant", info.name, None,
                       info.model_dump(mode="json"))
    svc.sink.emit(EventKind.ACTIVITY, f"token {info.name!r} ({info.role}) granted by {who}")
    return respond(GrantResponse(token=info, secret=token), status=201)


@routes.delete("/v1/access/tokens/{name}")
async def revoke(request: web.Request) -> web.Response:
    state, who, svc = request.app[ACCESS], request[IDENTITY].name, request.app[SERVICE]
    info = state.tokens.revoke(request.match_info["name"])
    await close_streams_of(request.app, f"token:{info.name}", f"token {info.name!r} was revoked")
    state.audit.append(who, state.clock.now_ms(), "access.revoke", info.name,
                       info.model_dump(mode="json"), None)
    svc.sink.emit(EventKind.ACTIVITY, f"token {info.name!r} ({info.role}) revoked by {who}")
    return respond(TokenResponse(token=info))
