"""API route for cancelling one open order of a bot by hand (plutarc/daemon/order_cancel.py)."""

from __future__ import annotations

from aiohttp import web

from plutarc.daemon.api.http import parse_query, peer, respond
from plutarc.daemon.api.routes import SERVICE
from plutarc.daemon.api.schemas import Empty, Envelope
from plutarc.daemon.order_cancel import cancel_order
from plutarc.daemon.store import OrderRecord

routes = web.RouteTableDef()


class OrderResponse(Envelope):
    order: OrderRecord


@routes.delete("/v1/bots/{ref}/orders/{client_id}")
async def cancel(request: web.Request) -> web.Response:
    parse_query(request, Empty)
    order = await cancel_order(request.app[SERVICE], request.match_info["ref"],
                               request.match_info["client_id"], peer(request))
    return respond(OrderResponse(order=order))
