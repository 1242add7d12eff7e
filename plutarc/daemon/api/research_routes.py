"""API routes for research: launch a sweep or a walk-forward and follow it, read stored sweeps
(variants), walk-forwards (the out-of-sample table) and their convergence heatmap, and run a
stored variant alone as a normal backtest."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import Field

from plutarc.daemon.api.http import parse_body, parse_query, respond
from plutarc.daemon.api.routes import INFO, SERVICE
from plutarc.daemon.api.schemas import Envelope, RequestModel
from plutarc.daemon.research_jobs import ResearchJobs
from plutarc.daemon.research_views import heatmap, walkforward, walkforwards
from plutarc.errors import UsageError
from plutarc.research.job_specs import SweepJobSpec, WalkForwardJobSpec

RESEARCH = web.AppKey("research", ResearchJobs)
routes = web.RouteTableDef()


class SweepJobResponse(Envelope):
    job: dict[str, Any]


class SweepsResponse(Envelope):
    sweeps: list[dict[str, Any]]
    jobs: list[dict[str, Any]]


class SweepResponse(Envelope):
    sweep: dict[str, Any]
    variants: list[dict[str, Any]]
    skipped: list[dict[str, Any]]


class WalkForwardsResponse(Envelope):
    walkforwards: list[dict[str, Any]]
    jobs: list[dict[str, Any]]


class WalkForwardResponse(Envelope):
    walkforward: dict[str, Any]


class HeatmapResponse(Envelope):
    heatmap: dict[str, Any]


class HeatmapQuery(RequestModel):
    x: str | None = Field(None, min_length=1, max_length=80,
                          description="Column parameter (default: the first swept).")
    y: str | None = Field(None, min_length=1, max_length=80,
                          description="Row parameter (default: the second swept).")


def _id(request: web.Request, name: str, what: str) -> int:
    raw = request.match_info[name]
    if not raw.isdigit() or len(raw) > 12:
        raise UsageError(f"{what} must be a number, not {raw!r}")
    return int(raw)


def _jobs(request: web.Request) -> list[dict[str, Any]]:
    return [j.view(windows=False) for j in request.app[RESEARCH].jobs.values()]


@routes.post("/v1/research/sweeps")
async def start_sweep(request: web.Request) -> web.Response:
    body = await parse_body(request, SweepJobSpec)
    job = request.app[RESEARCH].start(body.model_dump(mode="json"))
    return respond(SweepJobResponse(job=job.view()), status=202)


@routes.get("/v1/research/sweeps")
async def list_sweeps(request: web.Request) -> web.Response:
    return respond(SweepsResponse(sweeps=request.app[RESEARCH].sweeps(), jobs=_jobs(request)))


@routes.get("/v1/research/sweeps/{sweep_id}")
async def get_sweep(request: web.Request) -> web.Response:
    sweep_id = _id(request, "sweep_id", "sweep id")
    return respond(SweepResponse(**request.app[RESEARCH].sweep(sweep_id)))


@routes.post("/v1/research/walkforwards")
async def start_walkforward(request: web.Request) -> web.Response:
    body = await parse_body(request, WalkForwardJobSpec)
    job = request.app[RESEARCH].start_walkforward(body.model_dump(mode="json"))
    return respond(SweepJobResponse(job=job.view()), status=202)


@routes.get("/v1/research/walkforwards")
async def list_walkforwards(request: web.Request) -> web.Response:
    runs = walkforwards(request.app[RESEARCH].research_db)
    return respond(WalkForwardsResponse(walkforwards=runs, jobs=_jobs(request)))


@routes.get("/v1/research/walkforwards/{run_id}")
async def get_walkforward(request: web.Request) -> web.Response:
    run_id = _id(request, "run_id", "walk-forward id")
    # Off the event loop: a long run's report holds its whole stitched equity.
    got = await asyncio.to_thread(walkforward, request.app[RESEARCH].research_db, run_id)
    return respond(WalkForwardResponse(walkforward=got))


async def _heatmap(request: web.Request, name: str, is_sweep: bool) -> web.Response:
    run_id = _id(request, name, "sweep id" if is_sweep else "walk-forward id")
    q = parse_query(request, HeatmapQuery)
    # Off the event loop: a large grid over many windows takes a moment to compare.
    got = await asyncio.to_thread(heatmap, request.app[RESEARCH].research_db, run_id,
                                  is_sweep, q.x, q.y)
    return respond(HeatmapResponse(heatmap=got))


@routes.get("/v1/research/sweeps/{sweep_id}/heatmap")
async def sweep_heatmap(request: web.Request) -> web.Response:
    return await _heatmap(request, "sweep_id", True)


@routes.get("/v1/research/walkforwards/{run_id}/heatmap")
async def walkforward_heatmap(request: web.Request) -> web.Response:
    return await _heatmap(request, "run_id", False)


@routes.post("/v1/research/sweeps/{sweep_id}/variants/{seq}/backtest")
async def rerun_variant(request: web.Request) -> web.Response:
    sweep_id = _id(request, "sweep_id", "sweep id")
    seq = _id(request, "seq", "variant number")
    job = request.app[RESEARCH].start_rerun(sweep_id, seq)
    return respond(SweepJobResponse(job=job.view()), status=202)


@routes.get("/v1/research/jobs/{job_id}")
async def get_job(request: web.Request) -> web.Response:
    job = request.app[RESEARCH].get(_id(request, "job_id", "job id"))
    return respond(SweepJobResponse(job=job.view()))


async def _stop(app: web.Application) -> None:
    await app[RESEARCH].close()


def install(app: web.Application) -> None:
    database = Path(app[INFO].database)
    app[RESEARCH] = ResearchJobs(database.with_name("research.db"), app[SERVICE].sink,
                                 database.with_name("backtests.db"))
    app.add_routes(routes)
    app.on_shutdown.append(_stop)
