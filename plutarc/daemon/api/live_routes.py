"""API routes for live bots: rolling venue latency (websocket message age, order round trip)."""

from __future__ import annotations

import math

from aiohttp import web

from plutarc.daemon.api.http import respond
from plutarc.daemon.api.routes import SERVICE
from plutarc.daemon.api.schemas import ApiModel, Envelope
from plutarc.daemon.live.board import LATENCY

routes = web.RouteTableDef()


class LatencyStat(ApiModel):
    name: str  # e.g. rest_order_rtt_ms, ws_age_ms:execution, exec_to_position_us
    unit: str
    count: int  # samples since the bot started
    p50: float | None  # over the rolling window; None before the first sample
    p99: float | None
    max: float | None


class LatencyResponse(Envelope):
    bot_id: str
    running: bool  # False: no live worker runs this bot, so there is nothing to measure
    stats: list[LatencyStat]


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@routes.get("/v1/bots/{ref}/latency")
async def latency(request: web.Request) -> web.Response:
    bot = request.app[SERVICE].get_bot(request.match_info["ref"])
    snapshots = LATENCY.snapshots(bot.id)
    stats = [LatencyStat(name=s.name, unit=s.unit, count=s.count, p50=_finite(s.p50),
                         p99=_finite(s.p99), max=_finite(s.max)) for s in snapshots or []]
    return respond(LatencyResponse(bot_id=bot.id, running=snapshots is not None, stats=stats))
