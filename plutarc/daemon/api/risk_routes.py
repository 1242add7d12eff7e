"""Risk and operator routes: kill switch, clearing held bots, stop with a position choice,
account limits, dust and health. Parse, call the risk module, wrap the result."""

from __future__ import annotations

from aiohttp import web
from pydantic import Field

from plutarc.daemon.api.http import parse_body, parse_query, peer, respond
from plutarc.daemon.api.routes import SERVICE
from plutarc.daemon.api.schemas import BotFilter, BotResponse, Empty, Envelope, RequestModel
from plutarc.daemon.bot_config import VENUE_PATTERN
from plutarc.daemon.ops import (
    dust,
    health,
    killswitch,
    operator,
    panic_verify,
    stopping,
    venue_check,
)
from plutarc.daemon.ops.accounts import AccountRisk, get_all, put_limits
from plutarc.daemon.ops.monitor import RiskMonitor
from plutarc.daemon.service import DaemonService
from plutarc.risk.account import AccountLimits

MONITOR = web.AppKey("risk_monitor", RiskMonitor)

routes = web.RouteTableDef()


# ----- wire models ------------------------------------------------------------------------
class PanicRequest(RequestModel):
    note: str = Field("", max_length=200, description="Why, for the audit log ('').")


class PanicResponse(Envelope):
    report: killswitch.PanicReport


class StopRequest(RequestModel):
    positions: stopping.PositionChoice | None = Field(
        None, description="Required when the bot holds a position: flatten or leave.")
    wait_s: float = Field(stopping.FLATTEN_WAIT_S, gt=0, le=600,
                          description="How long a flatten may take before the stop gives up.")


class AccountRiskPut(RequestModel):
    venue: str = Field(pattern=VENUE_PATTERN.pattern)
    account: str = Field("", max_length=64)
    limits: AccountLimits


class AccountRiskResponse(Envelope):
    accounts: list[AccountRisk]


class CloseDustRequest(RequestModel):
    bot: str | None = Field(None, description="Only this bot's dust (name or id).")


class DustResponse(Envelope):
    dust: list[dust.DustRow]


class HealthResponse(Envelope):
    ok: bool
    findings: list[health.Finding]


class ReconcileResponse(Envelope):
    ok: bool
    checked: list[str]  # the bots whose journal was compared with their venue
    findings: list[health.Finding]


def _service(request: web.Request) -> DaemonService:
    return request.app[SERVICE]


# ----- routes -----------------------------------------------------------------------------
@routes.post("/v1/panic")
async def panic(request: web.Request) -> web.Response:
    body = await parse_body(request, PanicRequest)
    svc = _service(request)
    report = killswitch.panic(svc, peer(request), body.note)
    return respond(PanicResponse(report=await panic_verify.verify(svc, report)))


@routes.post("/v1/bots/{ref}/clear")
async def clear(request: web.Request) -> web.Response:
    await parse_body(request, Empty)
    bot = operator.clear_bot(_service(request), request.match_info["ref"], peer(request))
    return respond(BotResponse(bot=bot))


@routes.post("/v1/bots/{ref}/stop")
async def stop(request: web.Request) -> web.Response:
    body = await parse_body(request, StopRequest)
    bot = await stopping.stop_bot(_service(request), request.match_info["ref"], peer(request),
                                  body.positions, body.wait_s)
    return respond(BotResponse(bot=bot))


@routes.get("/v1/risk/accounts")
async def accounts(request: web.Request) -> web.Response:
    parse_query(request, Empty)
    return respond(AccountRiskResponse(accounts=get_all(_service(request))))


@routes.put("/v1/risk/accounts")
async def put_account(request: web.Request) -> web.Response:
    body = await parse_body(request, AccountRiskPut)
    entry = put_limits(_service(request), body.venue, body.account, body.limits, peer(request))
    return respond(AccountRiskResponse(accounts=[entry]))


@routes.get("/v1/ops/dust")
async def list_dust(request: web.Request) -> web.Response:
    q = parse_query(request, BotFilter)
    return respond(DustResponse(dust=await dust.list_dust(_service(request), q.bot)))


@routes.post("/v1/ops/close-dust")
async def close_dust(request: web.Request) -> web.Response:
    body = await parse_body(request, CloseDustRequest)
    return respond(DustResponse(dust=await dust.close_dust(_service(request), peer(request),
                                                           body.bot)))


@routes.get("/v1/ops/health")
async def run_health(request: web.Request) -> web.Response:
    parse_query(request, Empty)
    svc = _service(request)
    findings = health.run_checks(svc.store, svc.clock.now_ms())
    findings += await venue_check.venue_findings(svc)
    return respond(HealthResponse(ok=not findings, findings=findings))


@routes.get("/v1/ops/reconcile")
async def reconcile(request: web.Request) -> web.Response:
    q = parse_query(request, BotFilter)
    checked, findings = await venue_check.reconcile_bots(_service(request), q.bot)
    return respond(ReconcileResponse(ok=not findings, checked=checked, findings=findings))


# ----- wiring -----------------------------------------------------------------------------
async def _start_monitor(app: web.Application) -> None:
    app[MONITOR].start()


async def _stop_monitor(app: web.Application) -> None:
    await app[MONITOR].stop()


def install(app: web.Application) -> None:
    """Add the routes and the periodic risk monitor (account limits, health checks)."""
    app.add_routes(routes)
    app[MONITOR] = RiskMonitor(app[SERVICE])
    app.on_startup.append(_start_monitor)
    app.on_cleanup.append(_stop_monitor)
