"""API routes for backtests: launch one, follow its progress, read stored runs."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import Field

from plutarc.daemon.api.http import parse_body, respond
from plutarc.daemon.api.schemas import ApiModel, Envelope
from plutarc.daemon.backtests import BacktestJobs

BACKTESTS = web.AppKey("backtests", BacktestJobs)
routes = web.RouteTableDef()


class BacktestStartRequest(ApiModel):
    template: str
    data: str
    symbol: str | None = None
    start: str | None = None
    end: str | None = None
    interval: str | None = None
    fee_maker: float | None = Field(None, ge=-0.01, le=0.01)
    fee_taker: float | None = Field(None, ge=0.0, le=0.01)
    slippage_bps: float = Field(0.0, ge=0.0, le=500.0)
    starting_cash: float = Field(10_000.0, gt=0)
    enforce_margin: bool = True


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
    job = request.app[BACKTESTS].start(body.model_dump())
    return respond(BacktestJobResponse(job=job.view()), status=202)


@routes.get("/v1/backtests")
async def list_backtests(request: web.Request) -> web.Response:
    jobs = request.app[BACKTESTS]
    return respond(BacktestRunsResponse(runs=jobs.stored_runs(),
                                        jobs=[j.view() for j in jobs.jobs.values()]))


@routes.get("/v1/backtests/jobs/{job_id:\\d+}")
async def get_job(request: web.Request) -> web.Response:
    job = request.app[BACKTESTS].get(int(request.match_info["job_id"]))
    return respond(BacktestJobResponse(job=job.view()))


@routes.get("/v1/backtests/{run_id:\\d+}")
async def get_run(request: web.Request) -> web.Response:
    run = request.app[BACKTESTS].stored_run(int(request.match_info["run_id"]))
    return respond(BacktestRunResponse(run=run))
