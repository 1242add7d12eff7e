"""The simulator's control API (unauthenticated, for tests and demos on 127.0.0.1).

    POST /control/advance        {"bars": n}          close the next n 1m bars
    POST /control/mark           {"symbol", "price"}  a mark print (may liquidate a position)
    POST /control/lot            {"symbol", "lotSize"} the venue changes a contract's lot size
    POST /control/fault          {"kind": ..., ...}   arm a fault (see faults.py)
    POST /control/faults/clear                        disarm every fault
    POST /control/drop_sockets                        abort every websocket
    GET  /control/state                               replay time, orders, sockets, faults
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aiohttp import web

from plutarc.exchanges.bitmex.timestamps import ms_to_iso
from plutarc.exchanges.bitmex_sim.liquidation import mark_print
from plutarc.exchanges.bitmex_sim.params import ParamError

if TYPE_CHECKING:
    from plutarc.exchanges.bitmex_sim.server import SimServer


def _json(payload: Any, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(payload), status=status,
                        content_type="application/json")


def add_control_routes(app: web.Application, server: SimServer) -> None:
    async def advance(request: web.Request) -> web.Response:
        spec = await request.json() if request.can_read_body else {}
        moved = server.advance(int(spec.get("bars", 1)))
        return _json({"moved": moved, "now": ms_to_iso(server.exchange.now_ms)})

    async def mark(request: web.Request) -> web.Response:
        spec = await request.json()
        try:
            rows = mark_print(server.exchange, str(spec["symbol"]), float(spec["price"]))
        except (KeyError, TypeError, ValueError, ParamError) as exc:
            return _json({"error": f"mark needs a traded symbol and a price: {exc}"}, 400)
        return _json({"liquidations": len(rows)})

    async def lot(request: web.Request) -> web.Response:
        spec = await request.json()
        try:
            row = server.exchange.set_lot_size(str(spec["symbol"]), Decimal(str(spec["lotSize"])))
        except (KeyError, TypeError, ArithmeticError, ParamError) as exc:
            return _json({"error": f"lot needs a traded symbol and a lotSize: {exc}"}, 400)
        return _json({"symbol": row["symbol"], "lotSize": row["lotSize"]})

    async def fault(request: web.Request) -> web.Response:
        spec = await request.json()
        try:
            armed = server.faults.arm(spec, asyncio.get_running_loop().time())
        except (ValueError, TypeError) as exc:
            return _json({"error": str(exc)}, 400)
        return _json({"armed": armed.kind})

    async def clear(request: web.Request) -> web.Response:
        server.faults.clear()
        return _json({"cleared": True})

    async def drop(request: web.Request) -> web.Response:
        return _json({"dropped": server.hub.drop_all()})

    async def state(request: web.Request) -> web.Response:
        ex = server.exchange
        return _json({
            "now": ms_to_iso(ex.now_ms),
            "orders": len(ex.orders),
            "accepted_by_clordid": ex.accepted_orders,
            "executions": len(ex.executions),
            "websockets": len(server.hub.sessions),
            "websocket_connections": server.hub.connections,
            "faults": [f.kind for f in server.faults.armed],
            "dead_man_armed": server.dead_man_armed,
            "dead_man_fired": server.dead_man_fired,
        })

    app.router.add_post("/control/advance", advance)
    app.router.add_post("/control/mark", mark)
    app.router.add_post("/control/lot", lot)
    app.router.add_post("/control/fault", fault)
    app.router.add_post("/control/faults/clear", clear)
    app.router.add_post("/control/drop_sockets", drop)
    app.router.add_get("/control/state", state)
