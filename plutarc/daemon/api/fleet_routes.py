"""Bot-management routes (issue 24): move a bot to another version of its template, and a
bot's uptime, heartbeat and state history for the bot detail views."""

from __future__ import annotations

from aiohttp import web
from pydantic import Field

from plutarc.daemon.api import schemas as s
from plutarc.daemon.api.http import parse_body, parse_query, peer, respond
from plutarc.daemon.api.routes import SERVICE
from plutarc.daemon.bot_history import DEFAULT_HISTORY, BotHistory, bot_history

routes = web.RouteTableDef()


class TemplateMoveRequest(s.RequestModel):
    to_version: int | None = Field(None, ge=1, description="Version to run; default the latest.")


class HistoryQuery(s.RequestModel):
    limit: int = Field(DEFAULT_HISTORY, ge=1, le=1000, description="State changes, newest.")


class BotHistoryResponse(s.Envelope):
    detail: BotHistory


@routes.post("/v1/bots/{ref}/template")
async def move_template(request: web.Request) -> web.Response:
    body = await parse_body(request, TemplateMoveRequest)
    warnings: list[str] = []
    bot = request.app[SERVICE].update_bot_template(request.match_info["ref"], body.to_version,
                                                   peer(request), warnings)
    return respond(s.BotResponse(bot=bot, warnings=warnings))


@routes.get("/v1/bots/{ref}/history")
async def history(request: web.Request) -> web.Response:
    query = parse_query(request, HistoryQuery)
    svc = request.app[SERVICE]
    bot = svc.get_bot(request.match_info["ref"])
    detail = bot_history(svc.store, bot, svc.clock.now_ms(), query.limit)
    return respond(BotHistoryResponse(detail=detail))
