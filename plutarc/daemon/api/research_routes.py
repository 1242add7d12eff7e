"""API routes for research sweeps: launch one, follow it, read a stored sweep's variants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from plutarc.daemon.api.http import parse_body, respond
from plutarc.daemon.api.routes import INFO, SERVICE
from plutarc.daemon.api.schemas import Envelope
from plutarc.daemon.research_jobs import ResearchJobs
from plutarc.errors import UsageError
from plutarc.research.child import SweepJobSpec

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


@routes.post("/v1/research/sweeps")
async def start_sweep(request: web.Request) -> web.Response:
    body = await parse_body(request, SweepJobSpec)
    job = request.app[RESEARCH].start(body.model_dump(mode="json"))
    return respond(SweepJobResponse(job=job.view()), status=202)


@routes.get("/v1/research/sweeps")
async def list_sweeps(request: web.Request) -> web.Response:
    jobs = request.app[RESEARCH]
    return respond(SweepsResponse(sweeps=jobs.sweeps(),
                                  jobs=[j.view() for j in jobs.jobs.values()]))


@routes.get("/v1/research/sweeps/{sweep_id}")
async def get_sweep(request: web.Request) -> web.Response:
    raw = request.match_info["sweep_id"]
    if not raw.isdigit():
        raise UsageError(f"sweep id must be a number, not {raw!r}")
    return respond(SweepResponse(**request.app[RESEARCH].sweep(int(raw))))


async def _stop(app: web.Application) -> None:
    await app[RESEARCH].close()


def install(app: web.Application) -> None:
    app[RESEARCH] = ResearchJobs(Path(app[INFO].database).with_name("research.db"),
                                 app[SERVICE].sink)
    app.add_routes(routes)
    app.on_shutdown.append(_stop)
