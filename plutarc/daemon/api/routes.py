"""The API's HTTP routes: parse, call the service, wrap the result. Nothing else lives here."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from aiohttp import web

from plutarc import __version__
from plutarc.daemon.api import schemas as s
from plutarc.daemon.api.http import SHUTTING_DOWN, M, parse_body, parse_query, peer, respond
from plutarc.daemon.bot_config import ConfigPatch, RiskLimits, check_name
from plutarc.daemon.service import DaemonService
from plutarc.errors import UsageError


@dataclass(frozen=True)
class ServerInfo:
    started_ms: int
    socket: str
    database: str


SERVICE = web.AppKey("service", DaemonService)
INFO = web.AppKey("info", ServerInfo)

routes = web.RouteTableDef()


def _service(request: web.Request) -> DaemonService:
    return request.app[SERVICE]


@routes.get("/v1/status")
async def status(request: web.Request) -> web.Response:
    svc, info = _service(request), request.app[INFO]
    now = svc.clock.now_ms()
    return respond(s.StatusResponse(
        plutarc_version=__version__, pid=os.getpid(), started_ms=info.started_ms,
        uptime_s=(now - info.started_ms) / 1000, socket=info.socket, database=info.database,
        schema_version=svc.store.schema_version, bots=svc.bot_counts(),
        running_workers=svc.supervisor.running_count(),
        stream_subscribers=svc.sink.bus.subscriber_count,
        last_event_id=svc.store.events.last_id(),
        shutting_down=bool(request.app[SHUTTING_DOWN].get("flag")), host=socket.gethostname(),
    ))


# ----- bots -------------------------------------------------------------------------------
@routes.get("/v1/bots")
async def list_bots(request: web.Request) -> web.Response:
    parse_query(request, s.Empty)
    return respond(s.BotListResponse(bots=_service(request).list_bots()))


@routes.post("/v1/bots")
async def create_bot(request: web.Request) -> web.Response:
    body = await parse_body(request, s.CreateBotRequest)
    spec = s.BotSpec.model_validate(body.model_dump(exclude={"start"}))
    warnings: list[str] = []
    bot = await _service(request).create_bot(spec, peer(request), start=body.start,
                                             notes=warnings)
    return respond(s.BotResponse(bot=bot, warnings=warnings), status=201)


@routes.get("/v1/bots/{ref}")
async def get_bot(request: web.Request) -> web.Response:
    return respond(s.BotResponse(bot=_service(request).get_bot(request.match_info["ref"])))


@routes.delete("/v1/bots/{ref}")
async def delete_bot(request: web.Request) -> web.Response:
    bot = _service(request).delete_bot(request.match_info["ref"], peer(request))
    return respond(s.BotResponse(bot=bot))


# stop is in risk_routes: with a position open it needs the operator's flatten-or-leave choice
@routes.post("/v1/bots/{ref}/{action:start|pause|resume|flatten}")
async def bot_action(request: web.Request) -> web.Response:
    await parse_body(request, s.Empty)
    svc, ref, who = _service(request), request.match_info["ref"], peer(request)
    action = request.match_info["action"]
    if action == "start":
        bot = await svc.start_bot(ref, who)
    elif action == "pause":
        bot = svc.pause_bot(ref, who)
    elif action == "resume":
        bot = svc.resume_bot(ref, who)
    else:
        bot = svc.flatten_bot(ref, who)
    return respond(s.BotResponse(bot=bot))


async def _config_body(request: web.Request, model: type[M]) -> M:
    """Parse a config change; a refused one is also told to the bot's activity feed."""
    svc, ref = _service(request), request.match_info["ref"]
    svc.get_bot(ref)  # an unknown bot is a 404, not a refused config
    try:
        return await parse_body(request, model)
    except UsageError as exc:
        svc.refuse_config(ref, str(exc))
        raise


@routes.patch("/v1/bots/{ref}/config")
async def update_config(request: web.Request) -> web.Response:
    patch = await _config_body(request, ConfigPatch)
    bot = _service(request).update_config(request.match_info["ref"], patch, peer(request))
    return respond(s.BotResponse(bot=bot))


@routes.put("/v1/bots/{ref}/mode")
async def change_mode(request: web.Request) -> web.Response:
    body = await parse_body(request, s.ModeRequest)
    warnings: list[str] = []
    bot = _service(request).change_mode(request.match_info["ref"], body.mode, peer(request),
                                        warnings)
    return respond(s.BotResponse(bot=bot, warnings=warnings))


@routes.get("/v1/bots/{ref}/risk")
async def get_risk(request: web.Request) -> web.Response:
    bot = _service(request).get_bot(request.match_info["ref"])
    return respond(s.RiskResponse(bot_id=bot.id, risk=bot.risk))


@routes.put("/v1/bots/{ref}/risk")
async def put_risk(request: web.Request) -> web.Response:
    risk = await _config_body(request, RiskLimits)
    bot = _service(request).put_risk(request.match_info["ref"], risk, peer(request))
    return respond(s.RiskResponse(bot_id=bot.id, risk=bot.risk))


@routes.get("/v1/bots/{ref}/candles")
async def candles(request: web.Request) -> web.Response:
    q = parse_query(request, s.CandleQuery)
    svc = _service(request)
    bot = svc.get_bot(request.match_info["ref"])
    rows = svc.supervisor.recent_candles(bot.id, q.symbol, q.limit)
    return respond(s.CandleListResponse(bot_id=bot.id, symbol=q.symbol, candles=[
        s.CandleOut(ts_ms=t, open=o, high=h, low=lo, close=c, volume=v)
        for t, o, h, lo, c, v in rows]))


# ----- templates --------------------------------------------------------------------------
@routes.get("/v1/templates")
async def list_templates(request: web.Request) -> web.Response:
    return respond(s.TemplateListResponse(templates=_service(request).list_templates()))


def template_name(request: web.Request) -> str:
    try:
        return check_name(request.match_info["name"], "template name")
    except ValueError as exc:
        raise UsageError(str(exc)) from None


@routes.get("/v1/templates/{name}")
async def get_template(request: web.Request) -> web.Response:
    template = _service(request).get_template(template_name(request))
    return respond(s.TemplateResponse(template=template))


@routes.put("/v1/templates/{name}")
async def put_template(request: web.Request) -> web.Response:
    name = template_name(request)
    body = await parse_body(request, s.TemplatePutRequest)
    template = _service(request).put_template(name, body.toml, peer(request))
    return respond(s.TemplateResponse(template=template))


# ----- reads ------------------------------------------------------------------------------
@routes.get("/v1/positions")
async def positions(request: web.Request) -> web.Response:
    q = parse_query(request, s.BotFilter)
    return respond(s.PositionListResponse(positions=_service(request).positions(q.bot)))


@routes.get("/v1/orders")
async def orders(request: web.Request) -> web.Response:
    q = parse_query(request, s.OrderQuery)
    rows = _service(request).orders(q.bot, q.open, q.since_ms, q.limit)
    return respond(s.OrderListResponse(orders=rows))


@routes.get("/v1/fills")
async def fills(request: web.Request) -> web.Response:
    q = parse_query(request, s.LedgerQuery)
    return respond(s.FillListResponse(fills=_service(request).fills(q.bot, q.since_ms, q.limit)))


@routes.get("/v1/trades")
async def trades(request: web.Request) -> web.Response:
    q = parse_query(request, s.LedgerQuery)
    rows = _service(request).trades(q.bot, q.since_ms, q.limit)
    return respond(s.TradeListResponse(trades=rows))


@routes.get("/v1/equity")
async def equity(request: web.Request) -> web.Response:
    q = parse_query(request, s.EquityQuery)
    rows = _service(request).equity(q.bot, q.since_ms, q.limit)
    return respond(s.EquityListResponse(equity=rows))


@routes.get("/v1/decisions")
async def decisions(request: web.Request) -> web.Response:
    q = parse_query(request, s.DecisionQuery)
    rows = _service(request).decisions(q.bot, q.symbol, q.since_ms, q.limit)
    return respond(s.DecisionListResponse(decisions=rows))


@routes.get("/v1/events")
async def events(request: web.Request) -> web.Response:
    q = parse_query(request, s.EventQuery)
    rows = _service(request).events(q.bot, q.kind, q.severity, q.since_ms, q.after_id, q.limit)
    return respond(s.EventListResponse(events=rows))


@routes.get("/v1/audit")
async def audit(request: web.Request) -> web.Response:
    q = parse_query(request, s.AuditQuery)
    return respond(s.AuditListResponse(audit=_service(request).audit(q.target, q.since_ms,
                                                                      q.limit, q.who)))


