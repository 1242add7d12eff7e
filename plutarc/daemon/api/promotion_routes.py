"""The promotion gate's routes (issue 20): validate a template version with a stored
walk-forward run, and list which versions of a template are validated."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import Field

from plutarc.daemon.api import schemas as s
from plutarc.daemon.api.http import parse_body, peer, respond
from plutarc.daemon.api.routes import SERVICE, template_name
from plutarc.daemon.promotion import validate_version, validation_status

routes = web.RouteTableDef()


class ValidateRequest(s.RequestModel):
    walkforward: int = Field(ge=1, description="Id of a stored walk-forward run of the version.")
    version: int | None = Field(None, ge=1, description="Template version; default the latest.")
    thresholds: dict[str, float | int] = Field(
        default_factory=dict, description="Per-call overrides of [research] thresholds, "
        "e.g. {\"min_oos_profit_factor\": 1.5}.")


class ValidateResponse(s.Envelope):
    result: dict[str, Any]  # passed, checks (one per threshold), thresholds, validation


class ValidationListResponse(s.Envelope):
    name: str
    versions: list[dict[str, Any]]  # version, validated, validation (the newest) or None


@routes.post("/v1/templates/{name}/validations")
async def validate(request: web.Request) -> web.Response:
    name = template_name(request)
    body = await parse_body(request, ValidateRequest)
    result = validate_version(request.app[SERVICE], name, body.version, body.walkforward,
                              body.thresholds, peer(request))
    return respond(ValidateResponse(result=result))


@routes.get("/v1/templates/{name}/validations")
async def validations(request: web.Request) -> web.Response:
    name = template_name(request)
    return respond(ValidationListResponse(
        name=name, versions=validation_status(request.app[SERVICE], name)))
