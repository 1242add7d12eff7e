"""HTTP plumbing: version check, error mapping, request parsing and JSON responses."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, get_origin

from aiohttp import web
from pydantic import BaseModel, ValidationError

from plutarc.access.guard import IDENTITY, audit_refusal, audit_success, authorize
from plutarc.access.identity import peer_uid, user_name
from plutarc.daemon.api.protocol import API_HEADER, PROTOCOL_VERSION, mismatch_message
from plutarc.daemon.api.schemas import ErrorBody, ErrorResponse
from plutarc.daemon.errors import ApiVersionMismatch, DaemonShuttingDown, wire_error
from plutarc.errors import PlutarcError, UsageError
from plutarc.storage.sqlite import is_disk_full
from plutarc.untrusted import load_json
from plutarc.validation import describe_validation_error

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SHUTTING_DOWN = web.AppKey("shutting_down", dict)


def respond(model: BaseModel, status: int = 200) -> web.Response:
    return web.Response(
        status=status, text=model.model_dump_json(), content_type="application/json",
        headers={API_HEADER: str(PROTOCOL_VERSION)},
    )


def error_response(type_: str, message: str, status: int) -> web.Response:
    return respond(ErrorResponse(error=ErrorBody(type=type_, message=message)), status)


def check_client_version(request: web.Request) -> None:
    sent = request.headers.get(API_HEADER)
    if sent is None:
        return
    try:
        version = int(sent)
    except ValueError:
        raise UsageError(f"header {API_HEADER} must be an integer, got {sent!r}") from None
    if version != PROTOCOL_VERSION:
        raise ApiVersionMismatch(mismatch_message(version, PROTOCOL_VERSION))


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Version check, who calls and may they; then one place turning errors into JSON."""
    try:
        check_client_version(request)
        await authorize(request)
        if request.method not in ("GET", "HEAD") and request.app[SHUTTING_DOWN].get("flag"):
            raise DaemonShuttingDown("the daemon is shutting down and accepts no changes")
        response = await handler(request)
        audit_success(request, response)
        return response
    except PlutarcError as exc:
        type_, status = wire_error(exc)
        if status in (401, 403):
            audit_refusal(request, status, str(exc))
        return error_response(type_, str(exc), status)
    except web.HTTPNotFound:
        return error_response("not_found", f"no such endpoint: {request.method} {request.path} "
                              "(see GET /v1/status for the API version)", 404)
    except web.HTTPMethodNotAllowed as exc:
        allowed = ", ".join(sorted(exc.allowed_methods))
        return error_response("method_not_allowed", f"{request.method} is not allowed on "
                              f"{request.path} (allowed: {allowed})", 405)
    except web.HTTPException:
        raise
    except Exception as exc:  # a bug must answer 500 and keep the daemon serving
        if is_disk_full(exc):
            log.critical("disk full: %s %s could not be written", request.method, request.path)
            return error_response("disk_full", f"the disk is full: {request.method} "
                                  f"{request.path} could not be written, so it was not done; "
                                  "the kill switch, flatten, pause and stop still work", 507)
        log.exception("internal error on %s %s", request.method, request.path)
        return error_response("internal_error", f"internal error: {type(exc).__name__}: {exc}",
                              500)


def _validate(model: type[M], data: Any, where: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise UsageError("; ".join(describe_validation_error(exc, model, where))) from None


async def parse_body(request: web.Request, model: type[M]) -> M:
    """The JSON body as ``model``; an empty body is ``{}``. Any problem is a 400, naming it."""
    raw = await request.read()
    data: Any = {} if not raw.strip() else load_json(raw, "request body")
    if not isinstance(data, dict):
        raise UsageError(f"request body must be a JSON object, got {type(data).__name__}")
    return _validate(model, data, "request body")


def parse_query(request: web.Request, model: type[M]) -> M:
    data: dict[str, Any] = {}
    for key in set(request.query.keys()):
        values = request.query.getall(key)
        field = model.model_fields.get(key)
        if field is not None and get_origin(field.annotation) is tuple:
            data[key] = values
        elif len(values) > 1:
            raise UsageError(f"query parameter {key!r} is given {len(values)} times")
        else:
            data[key] = values[0]
    return _validate(model, data, "query")


def peer(request: web.Request) -> str:
    """Who is calling, as the audit log names them: the token's name, else the Unix user."""
    identity = request.get(IDENTITY)
    return identity.name if identity is not None else user_name(peer_uid(request))
