"""API routes for backtests: launch one, follow its progress, read stored runs."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from pydantic import Field

from plutarc.daemon.api.http import parse_body, parse_query, respond
from plutarc.daemon.api.routes import SERVICE
from plutarc.daemon.api.schemas import Envelope, RequestModel
from plutarc.daemon.backtests import BacktestJobs, check_sources
from plutarc.daemon.bot_config import check_name
from plutarc.daemon.errors import NotFound
from plutarc.daemon.store import TemplateRecord
from plutarc.errors import UsageError
from plutarc.risk.limits import RiskLimits
from plutarc.validation import MAX_AMOUNT

BACKTESTS = web.AppKey("backtests", BacktestJobs)
routes = web.RouteTableDef()


class BacktestStartRequest(RequestModel):
    template: str | None = Field(None, description="A template file the daemon has (name or "
                                                   "path); or give stored_template.")
    stored_template: str | None = Field(None, description="A template stored in the daemon "
                                                          "(PUT /v1/templates/NAME).")
    data: str | None = Field(None, description="A candle file on the daemon's machine; or give "
                                               "venue, symbol, start and end.")
    venue: str | None = Field(None, description="Fetch the candles and contract from a venue.")
    venue_url: str | None = Field(None, description="The venue's REST base; default its live "
                                                    "endpoint.")
    symbol: str | None = None
    start: str | None = None
    end: str | None = None
    funding: str | None = Field(None, description="A funding-rate file on the daemon's machine "
                                                  "(in a directory the owner allows): charged "
                                                  "and given to the strategy.")
    open_interest: str | None = Field(None, description="An open-interest file (allowed "
                                                        "directories only).")
    interval: str | None = None
    fee_maker: float | None = Field(None, ge=-0.01, le=0.01)
    fee_taker: float | None = Field(None, ge=0.0, le=0.01)
    slippage_bps: float = Field(0.0, ge=0.0, le=500.0)
    starting_cash: float = Field(10_000.0, gt=0, le=MAX_AMOUNT)
    enforce_margin: bool = True
    risk_limits: RiskLimits | None = Field(
        default_factory=RiskLimits, description="The bot risk gate every order passes (a "
        "bot's defaults unless given); null: no gate.")


class BacktestJobResponse(Envelope):
    job: dict[str, Any]


class BacktestRunsResponse(Envelope):
    runs: list[dict[str, Any]]
    jobs: list[dict[str, Any]]


class BacktestRunResponse(Envelope):
    run: dict[str, Any]


@routes.post("/v1/backtests")
async def start_backtest(request: web.Request) -> web.Response:
    body = await parse_body(request, BacktestStartRequest)
    data = body.model_dump(exclude={"stored_template"})
    check_sources(data, stored=body.stored_template is not None)  # before any lookup
    stored = None
    if body.stored_template is not None:
        stored = _stored_template(request, body.stored_template)
    job = request.app[BACKTESTS].start(data, stored)
    return respond(BacktestJobResponse(job=job.view()), status=202)


def _stored_template(request: web.Request, name: str) -> TemplateRecord:
    """The stored template ``name``, validated as a bot would use it (422 when broken)."""
    try:
        check_name(name, "stored_template")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    service = request.app[SERVICE]
    try:
        template = service.get_template(name)
    except NotFound:
        known = ", ".join(t.name for t in service.list_templates()) or "none stored yet"
        raise UsageError(f"no template named {name!r} is stored in the daemon (stored: "
                         f"{known})") from None
    service.validate_template(name, template.toml)
    return template


@routes.get("/v1/backtests")
async def list_backtests(request: web.Request) -> web.Response:
    jobs = request.app[BACKTESTS]
    return respond(BacktestRunsResponse(runs=jobs.stored_runs(),
                                        jobs=[j.view() for j in jobs.jobs.values()]))


@routes.get("/v1/backtests/jobs/{job_id:\\d+}")
async def get_job(request: web.Request) -> web.Response:
    job = request.app[BACKTESTS].get(int(request.match_info["job_id"]))
    return respond(BacktestJobResponse(job=job.view()))


class RunQuery(RequestModel):
    trades: bool = Field(True, description="false: the summary only (metrics, series, hold "
                                           "times), for a quick first paint.")


@routes.get("/v1/backtests/{run_id:\\d+}")
async def get_run(request: web.Request) -> web.Response:
    q = parse_query(request, RunQuery)
    # Off the event loop: 36k trades take a while to read, and bots must not wait for it.
    run = await asyncio.to_thread(request.app[BACKTESTS].stored_run,
                                  int(request.match_info["run_id"]), q.trades)
    return respond(BacktestRunResponse(run=run))
