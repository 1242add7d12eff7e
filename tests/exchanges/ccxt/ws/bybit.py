"""A local Bybit v5 WebSocket server on top of the REST one (replay/bybit.py).

As Bybit runs it: public /v5/public/linear takes {"op": "subscribe", "args":
["kline.1.BTCUSDT"], "req_id"} and answers with the subscription ack, then pushes
``kline.<interval>.<symbol>`` snapshots (``confirm`` true once the bar is final); private
/v5/private needs {"op": "auth", "args": [key, expires, hex HMAC-SHA256 of
"GET/realtime" + expires]} first (a wrong key, a bad signature or a past ``expires`` gets the
auth failure), then "order" and "execution" topics. {"op": "ping"} gets the pong. Bodies are
the recorded payloads in tests/fixtures/bybit/ws/ with the order's, execution's and bar's own
values filled in.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import secrets
from typing import Any

from aiohttp import web

from tests.exchanges.ccxt.replay.bybit import INTERVALS, KEY, SECRET, STATUS, BybitServer
from tests.exchanges.ccxt.replay.core import FIXTURES, Resting, ServerThread, Trade, now_ms
from tests.exchanges.ccxt.ws.hub import Hub, Sock

DIR = FIXTURES / "bybit" / "ws"
PRIVATE_TOPICS = {"order", "execution"}


def _load(name: str) -> dict:
    return json.loads((DIR / name).read_text())


class BybitWs:
    def __init__(self, rest: BybitServer | None = None) -> None:
        # the REST server whose book the sockets announce: the test's own (its tape,
        # testnet/demo mode) or a default one
        self.rest = rest if rest is not None else BybitServer()
        self.hub = Hub(self.rest.book, self.rest.tape)
        self.hub.render_order = self.order
        self.hub.render_trade = self.execution
        self.hub.render_bar = self.kline

    def app(self) -> web.Application:
        app = self.rest.app()
        app.router.add_get("/v5/public/linear", self.public)
        app.router.add_get("/v5/private", self.private)
        app.on_startup.append(self.hub.start)
        app.on_shutdown.append(self.hub.stop)
        return app

    def serve(self) -> ServerThread:
        thread = ServerThread(self.app).start()
        self.hub.thread = thread
        return thread

    async def public(self, request: web.Request) -> web.StreamResponse:
        ws = await self.hub.accept(request)
        if not isinstance(ws, web.WebSocketResponse):
            return ws
        return await self.hub.serve(ws, Sock(ws), self._op)

    async def private(self, request: web.Request) -> web.StreamResponse:
        ws = await self.hub.accept(request)
        if not isinstance(ws, web.WebSocketResponse):
            return ws
        sock = Sock(ws)
        sock.topics.add("private-socket")  # authenticated later: sock.private
        return await self.hub.serve(ws, sock, self._op)

    async def _op(self, sock: Sock, message: dict) -> None:
        op = message.get("op")
        conn = secrets.token_hex(8)
        if op == "ping":
            await self.hub.send(sock, {"success": True, "ret_msg": "pong", "conn_id": conn,
                                       "req_id": message.get("req_id", ""), "op": "ping"})
        elif op == "auth":
            await self._auth(sock, message)
        elif op == "subscribe":
            await self._subscribe(sock, message)
        else:
            await self.hub.send(sock, {"success": False, "ret_msg": "error:invalid op",
                                       "conn_id": conn, "op": op})

    async def _auth(self, sock: Sock, message: dict) -> None:
        args = message.get("args") or ["", "0", ""]
        key, expires, signature = (str(a) for a in args[:3])
        want = hmac.new(SECRET.encode(), f"GET/realtime{expires}".encode(),
                        hashlib.sha256).hexdigest()
        good = ("private-socket" in sock.topics and key == KEY and int(expires) > now_ms()
                and hmac.compare_digest(signature, want))
        body = _load("ws_auth_success.json" if good else "ws_auth_failure.json")
        if "req_id" in message:
            body["req_id"] = message["req_id"]
        sock.private = good
        self.hub.log.append(("auth", good))
        await self.hub.send(sock, body)

    async def _subscribe(self, sock: Sock, message: dict) -> None:
        args = list(message.get("args") or [])
        for topic in args:
            parts = topic.split(".")
            if topic in PRIVATE_TOPICS and sock.private:
                continue
            if (parts[0] == "kline" and len(parts) == 3 and parts[1] in INTERVALS
                    and parts[2] in self.rest.symbols and not sock.private):
                continue
            body = _load("ws_subscription_failure.json")
            body.update(ret_msg=f"Invalid topic: {topic}" if topic not in PRIVATE_TOPICS
                        else "Request not authorized", req_id=message.get("req_id", ""))
            await self.hub.send(sock, body)
            return
        for topic in args:
            if topic in PRIVATE_TOPICS:
                sock.topics.add(topic)
            else:
                _, interval, symbol = topic.split(".")
                sock.topics.add(f"{symbol}|{interval}|{INTERVALS[interval]}")
        self.hub.log.append(("subscribe", tuple(args)))
        body = _load("ws_subscription_ack.json")
        body["req_id"] = message.get("req_id", "")
        await self.hub.send(sock, body)

    # -- messages -----------------------------------------------------------------------------
    def kline(self, topic: str, bar: tuple, closed: bool) -> dict[str, Any]:
        symbol, interval, step = topic.split("|")
        body = _load("ws_kline.json")
        open_ms, o, h, low, c, v = bar
        body.update(topic=f"kline.{interval}.{symbol}", ts=now_ms())
        body["data"][0].update(start=open_ms, end=open_ms + int(step) - 1, interval=interval,
                               open=f"{o:.2f}", close=f"{c:.2f}", high=f"{h:.2f}",
                               low=f"{low:.2f}", volume=f"{v:.3f}", turnover=f"{v * c:.4f}",
                               confirm=closed, timestamp=now_ms())
        return body

    def order(self, o: Resting) -> list[dict]:
        body = _load("ws_account_order_filled.json" if o.status == "filled"
                     else "ws_account_order.json")
        row = body["data"][0]
        row.update(symbol=o.symbol, orderId=o.venue_id, orderLinkId=o.client_id,
                   side=o.side.capitalize(), orderType="Limit" if o.price is not None
                   else "Market", price=str(o.price or 0), qty=str(o.qty),
                   orderStatus=STATUS[o.status], reduceOnly=o.reduce_only,
                   leavesQty=str(o.qty - o.filled), cumExecQty=str(o.filled),
                   cumExecValue=str((o.avg or 0) * o.filled), avgPrice=str(o.avg or ""),
                   createdTime=str(o.created_ms), updatedTime=str(o.updated_ms),
                   triggerPrice=str(o.stop or ""), stopOrderType="Stop" if o.stop else "",
                   takeProfit="", stopLoss="", timeInForce="GTC", category="linear")
        body.update(creationTime=o.updated_ms, _channel="order")
        return [body]

    def execution(self, t: Trade) -> list[dict]:
        body = copy.deepcopy(_load("ws_account_execution.json"))
        o = t.order
        body["data"][0].update(symbol=o.symbol, execFee=str(t.fee), execId=t.trade_id,
                               execPrice=str(t.price), execQty=str(t.qty),
                               execValue=str(t.qty * t.price), leavesQty="0",
                               orderId=o.venue_id, orderLinkId=o.client_id,
                               orderPrice=str(o.price or t.price), orderQty=str(o.qty),
                               orderType="Limit" if o.price is not None else "Market",
                               side=o.side.capitalize(), execTime=str(t.ts_ms),
                               isMaker=t.maker, closedSize="0")
        body.update(creationTime=t.ts_ms, _channel="execution")
        return [body]
